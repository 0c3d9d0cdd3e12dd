import Mustache

/// Words a page shows only when there are some: an empty text is "nothing" to a template,
/// as in most Mustache implementations, so `{{#flash}}…{{/flash}}` renders only when there
/// is a flash. A plain `String` field is always "something", even when empty: a page model
/// gives `Text` to each field a template tests with `{{#…}}` or `{{^…}}`.
struct Text: Sendable, Hashable, ExpressibleByStringInterpolation, MustacheCustomRenderable, CustomReflectable {
    let string: String

    init(_ string: String) {
        self.string = string
    }

    init(stringLiteral string: String) {
        self.string = string
    }

    var renderText: String { string }
    var isNull: Bool { string.isEmpty }

    /// No fields for a template to find: inside `{{#note}}…{{/note}}`, a name such as
    /// `{{string}}` is looked up in the enclosing models, as it would be inside a `String`.
    var customMirror: Mirror { Mirror(self, children: [:]) }
}

extension Dictionary where Value == String {
    /// Each value as `Text`, for a template that tests a key with `{{#errors.name}}`.
    var texts: [Key: Text] { mapValues { Text($0) } }
}
