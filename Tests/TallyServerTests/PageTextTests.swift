import Foundation
import Testing

@testable import TallyServer

/// The pages' `Text`: an empty text is "nothing" to a template, so the part a
/// `{{#…}}` section wraps is left out; any other text renders as a `String` would.
@Suite("Page text")
struct PageTextTests {
    let views = WebViews(testMode: false)

    func message(link: Text, csrf: Text) -> String {
        let model = MessageModel(heading: "Heading", text: "Words", test: "probe", link: link, linkLabel: "Go", csrf: csrf)
        return views.bare("message", model, title: "Probe")
    }

    @Test func anEmptyTextLeavesOutItsSection() {
        let page = message(link: "", csrf: "")
        #expect(!page.contains("class=\"button\" href="))
        #expect(!page.contains("data-test=\"logout\""))
        #expect(page.contains("<p>Words</p>"))
    }

    @Test func aTextRendersItsSectionEscapedAsAString() {
        let page = message(link: "/app/billing?from=<a>&b", csrf: Text("token"))
        #expect(page.contains(#"<a class="button" href="/app/billing?from=&lt;a&gt;&amp;b">Go</a>"#))
        #expect(page.contains(#"<input type="hidden" name="csrf" value="token">"#))
    }

    @Test func aTextIsEqualToTheStringItHolds() {
        let text: Text = "credits \(3)"
        #expect(text == Text("credits 3"))
        #expect(text.string == "credits 3")
    }
}
