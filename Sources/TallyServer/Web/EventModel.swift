import TallyApp
import TallyCore

/// The event editor's fields: from the stored configuration, or the rejected input kept.
struct EventEditorModel {
    struct Choice {
        let value: String
        let label: String
        let price: Text
        let selected: Bool
    }

    struct Route {
        let name: String
        let minCreditScore: String
        let maxCreditScore: String
        let maxDtiPercent: String
        let number: Int
    }

    let id: String
    let action: String
    let isNew: Bool
    let name: Text
    let emailValidation: Bool
    let phoneValidation: Bool
    let creditChecks: [Choice]
    let creditCheckOn: Bool
    let invalidEmail: Bool
    let invalidPhone: Bool
    let minCreditScore: String
    let maxDtiPercent: String
    let routes: [Route]
    let defaultRoute: String
    let errors: [String: Text]
    let csrf: String
    let emailPrice: String
    let phonePrice: String

    init(id: String, config: EventConfig?, isNew: Bool, form: (WebForm, FormErrors)?, csrf: String) {
        self.id = id
        action = "/app/events/" + WebSession.percentEncoded(id)
        self.isNew = isNew
        self.csrf = csrf
        emailPrice = Self.price(.emailValidation)
        phonePrice = Self.price(.phoneValidation)
        var rows: [[String]]
        let check: String
        if let (form, errors) = form {
            name = Text(form["name"] ?? "")
            emailValidation = form.checked("emailValidation")
            phoneValidation = form.checked("phoneValidation")
            check = form["creditCheck"] ?? "none"
            invalidEmail = form.checked("invalidEmail")
            invalidPhone = form.checked("invalidPhone")
            minCreditScore = form["minCreditScore"] ?? ""
            maxDtiPercent = form["maxDtiPercent"] ?? ""
            rows = WebRoutes.routeRows(form).filter { !$0.allSatisfy(\.isEmpty) }
            defaultRoute = form["defaultRoute"] ?? ""
            self.errors = errors.byField.texts
        } else {
            let config = config ?? EventConfig(name: id)
            name = Text(config.name)
            emailValidation = config.emailValidation
            phoneValidation = config.phoneValidation
            check = config.creditCheck.rawValue
            invalidEmail = config.disqualify.invalidEmail
            invalidPhone = config.disqualify.invalidPhone
            minCreditScore = config.disqualify.minCreditScore.map(String.init) ?? ""
            maxDtiPercent = config.disqualify.maxDtiPercent.map(String.init) ?? ""
            rows = config.routes.map {
                [
                    $0.name, $0.minCreditScore.map(String.init) ?? "", $0.maxCreditScore.map(String.init) ?? "",
                    $0.maxDtiPercent.map(String.init) ?? "",
                ]
            }
            defaultRoute = config.defaultRoute ?? ""
            errors = [:]
        }
        creditChecks = [
            Choice(value: "none", label: "No credit check", price: "", selected: check == "none"),
            Choice(value: "credit_score", label: "Credit score", price: Text(Self.price(.creditScore)), selected: check == "credit_score"),
            Choice(value: "dti", label: "Debt-to-income (includes the score)", price: Text(Self.price(.dti)), selected: check == "dti"),
        ]
        creditCheckOn = check != "none"
        // Two blank rows to add routes without JavaScript.
        rows += [["", "", "", ""], ["", "", "", ""]]
        routes = rows.enumerated().map { index, row in
            Route(name: row[0], minCreditScore: row[1], maxCreditScore: row[2], maxDtiPercent: row[3], number: index + 1)
        }
    }

    static func price(_ feature: Feature) -> String {
        Catalog.price(of: feature).map { "\(WebFormat.shortCredits($0)) credits" } ?? ""
    }
}
