"""The billing web app, driven in headless Chromium the way an account's owner uses it.

Run by scripts/browser-test, which starts Tally and exports TALLY_URL, TALLY_ACCOUNT,
TALLY_OWNER_EMAIL, TALLY_MEMBER_EMAIL, TALLY_PASSWORD and TALLY_OPERATOR_TOKEN.
The tests run in order (one owner's session through the whole product).
"""
import json
import os
import re
import time
import unittest
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

URL = os.environ["TALLY_URL"]
ACCOUNT = os.environ["TALLY_ACCOUNT"]
OWNER = os.environ["TALLY_OWNER_EMAIL"]
MEMBER = os.environ["TALLY_MEMBER_EMAIL"]
PASSWORD = os.environ["TALLY_PASSWORD"]
SHOTS = os.path.join(os.path.dirname(__file__), "screenshots")


def api(method, path, token, body=None):
    """Calls Tally's JSON API; answers (status, decoded body)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(URL + path, data=data, method=method)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request) as response:
            text = response.read().decode()
            return response.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        return error.code, (json.loads(text) if text else None)


def make_driver():
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(argument)
    # The browser's console, to catch anything the Content-Security-Policy blocked.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.binary_location = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
    service = Service(executable_path=os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.implicitly_wait(0)
    return driver


class WebApp(unittest.TestCase):
    driver = None

    @classmethod
    def setUpClass(cls):
        os.makedirs(SHOTS, exist_ok=True)
        cls.driver = make_driver()

    @classmethod
    def tearDownClass(cls):
        if cls.driver:
            cls.driver.quit()

    def tearDown(self):
        # Every page works under its Content-Security-Policy: the browser blocked nothing.
        blocked = [e["message"] for e in self.driver.get_log("browser") if "Content Security Policy" in e["message"]]
        self.assertEqual(blocked, [], "the Content-Security-Policy blocked something")

    # -- helpers ---------------------------------------------------------------

    def go(self, path):
        self.driver.get(URL + path)

    def find(self, test, within=None):
        return (within or self.driver).find_element(By.CSS_SELECTOR, f'[data-test="{test}"]')

    def all(self, test):
        return self.driver.find_elements(By.CSS_SELECTOR, f'[data-test="{test}"]')

    def press(self, element):
        """Clicks something that loads a page, and waits until the new page replaced the old."""
        self.driver.execute_script("window.__leaving = true")

        def arrived(driver):
            try:
                return driver.execute_script("return !window.__leaving && document.readyState === 'complete'")
            except WebDriverException:
                return False  # between the two pages

        element.click()
        WebDriverWait(self.driver, 10).until(arrived)

    def wait_for(self, test, timeout=10):
        try:
            return WebDriverWait(self.driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(
                lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, f'[data-test="{test}"]') if e.is_displayed()), None)
            )
        except TimeoutException:
            self.driver.save_screenshot(os.path.join(SHOTS, f"failed-{self._testMethodName}.png"))
            body = self.driver.find_element(By.TAG_NAME, "body").text
            raise AssertionError(f"no visible data-test={test} on {self.driver.current_url}:\n{body[:1500]}") from None

    def text(self, test):
        return self.find(test).text.strip()

    def field(self, name, within=None):
        return (within or self.driver).find_element(By.NAME, name)

    def type_into(self, element, value):
        element.clear()
        element.send_keys(value)

    def shoot(self, name):
        """A full-page screenshot at desktop and phone width."""
        for width in (1280, 390):
            self.driver.set_window_size(width, 900)
            height = self.driver.execute_script("return Math.max(document.body.scrollHeight, 900)")
            self.driver.set_window_size(width, min(height + 120, 6000))
            self.driver.save_screenshot(os.path.join(SHOTS, f"{name}-{width}.png"))
        self.driver.set_window_size(1280, 900)

    def login(self, email, password):
        self.type_into(self.field("email"), email)
        self.type_into(self.field("password"), password)
        self.press(self.find("login-submit"))

    def open_buy_dialog(self):
        self.go("/app/billing")
        self.find("buy-credits").click()
        dialog = self.driver.find_element(By.ID, "buy-dialog")
        WebDriverWait(self.driver, 5).until(lambda d: dialog.is_displayed())
        return dialog

    def fill_card(self, dialog, number):
        self.type_into(self.field("cardNumber", dialog), number)
        self.type_into(self.field("expMonth", dialog), "12")
        self.type_into(self.field("expYear", dialog), "2031")
        self.type_into(self.field("cvc", dialog), "123")

    # -- the owner ---------------------------------------------------------------

    def test_01_login_sends_back_to_the_page_asked_for(self):
        self.go("/app/billing")
        self.assertIn("/app/login", self.driver.current_url)
        self.assertIn("next=", self.driver.current_url)
        self.assertIn("test mode", self.find("test-mode").text.lower())
        self.shoot("login")
        self.login(OWNER, "not the password")
        self.assertIn("match", self.wait_for("login-error").text)
        self.assertEqual(self.field("email").get_attribute("value"), OWNER)
        self.login(OWNER, PASSWORD)
        self.wait_for("available")
        self.assertTrue(self.driver.current_url.endswith("/app/billing"))
        self.assertEqual(self.text("available"), "0.000")
        self.assertTrue(self.find("depleted-banner").is_displayed())
        links = [a.text for a in self.find("nav").find_elements(By.TAG_NAME, "a")]
        self.assertEqual(len(links), 8)
        self.assertEqual(links.index("Integrations"), links.index("Notifications") + 1)
        self.assertEqual(links.index("Developers"), links.index("Integrations") + 1)
        self.shoot("billing-empty")

    def test_02_buy_a_bundle_with_a_new_card(self):
        dialog = self.open_buy_dialog()
        self.assertTrue(self.field("cardNumber", dialog).is_displayed(), "with no saved card the card fields show at once")
        self.find("bundle-500", dialog).click()
        self.assertEqual(self.field("credits", dialog).get_attribute("value"), "500")
        self.assertEqual(self.find("price", dialog).text, "$100.00")
        self.fill_card(dialog, "4242424242424242")
        self.shoot("buy-dialog")
        self.press(self.find("confirm-buy", dialog))
        self.assertIn("500.000", self.wait_for("flash").text)
        self.assertEqual(self.text("available"), "500.000")
        self.assertEqual(self.text("total"), "500.000")
        self.assertEqual(len(self.all("purchase-row")), 1)
        self.assertEqual(len(self.all("card-row")), 1)
        self.assertEqual(self.all("depleted-banner"), [])

    def test_03_buy_a_custom_amount_with_the_saved_card(self):
        dialog = self.open_buy_dialog()
        method = Select(self.field("paymentMethodId", dialog))
        self.assertNotEqual(method.first_selected_option.get_attribute("value"), "new", "the saved card is preselected")
        self.assertFalse(self.field("cardNumber", dialog).is_displayed())
        credits = self.field("credits", dialog)
        self.type_into(credits, "250")
        self.assertEqual(self.find("price", dialog).text, "$50.00")
        self.press(self.find("confirm-buy", dialog))
        self.wait_for("flash")
        self.assertEqual(self.text("available"), "750.000")
        self.assertEqual(len(self.all("purchase-row")), 2)

    def test_04_a_declined_card_adds_nothing(self):
        dialog = self.open_buy_dialog()
        self.find("new-card", dialog).click()
        self.assertTrue(self.field("cardNumber", dialog).is_displayed())
        self.find("bundle-1000", dialog).click()
        self.fill_card(dialog, "4000000000000002")
        self.press(self.find("confirm-buy", dialog))
        error = self.wait_for("purchase-error")
        self.assertIn("declined", error.text.lower())
        self.assertEqual(self.field("credits").get_attribute("value"), "1000", "the input is kept")
        self.shoot("buy-declined")
        self.go("/app/billing")
        self.assertEqual(self.text("available"), "750.000")

    def test_05_a_bad_amount_shows_beside_its_field(self):
        dialog = self.open_buy_dialog()
        self.type_into(self.field("credits", dialog), "50")
        self.assertEqual(self.find("price", dialog).text, "—")
        self.press(self.find("confirm-buy", dialog))
        error = self.wait_for("field-error")
        self.assertIn("at least 100", error.text)
        self.assertEqual(self.field("credits").get_attribute("value"), "50")
        self.go("/app/billing")
        self.assertEqual(self.text("available"), "750.000")

    def test_06_a_resubmitted_form_buys_once(self):
        dialog = self.open_buy_dialog()
        self.find("bundle-500", dialog).click()
        # The declined card was saved too (and is now the newest): pay with the good one.
        method = Select(self.field("paymentMethodId", dialog))
        method.select_by_visible_text(next(o.text for o in method.options if "4242" in o.text))
        form = dialog.find_element(By.TAG_NAME, "form")
        sent = self.driver.execute_script("return new URLSearchParams(new FormData(arguments[0])).toString()", form)
        self.press(self.find("confirm-buy", dialog))
        self.wait_for("flash")
        self.assertEqual(self.text("available"), "1250.000")
        # The same form again, with the same idempotency key: a double click or a resubmit.
        status = self.driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            fetch('/app/billing/purchases', {method: 'POST', body: new URLSearchParams(arguments[0])})
              .then(r => done(r.status)).catch(e => done(String(e)));
            """,
            sent,
        )
        self.assertEqual(status, 200)
        self.go("/app/billing")
        self.assertEqual(self.text("available"), "1250.000")
        self.assertEqual(len(self.all("purchase-row")), 4)

    def test_07_turn_on_auto_recharge(self):
        self.go("/app/billing")
        form = self.find("auto-recharge-form")
        box = self.field("enabled", form)
        if not box.is_selected():
            box.click()
        self.type_into(self.field("thresholdCredits", form), "0")
        self.press(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        self.assertIn("must be more than zero", self.wait_for("field-error").text)
        self.assertIn("Off", self.text("auto-recharge-status"), "a rejected form changes nothing")
        form = self.find("auto-recharge-form")
        self.type_into(self.field("thresholdCredits", form), "200")
        self.type_into(self.field("rechargeCredits", form), "1000")
        self.press(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        self.assertIn("Auto-recharge is on", self.wait_for("flash").text)
        self.assertIn("On", self.text("auto-recharge-status"))
        self.shoot("billing")

    def test_07a_balance_alerts(self):
        self.go("/app/billing")
        form = self.find("alerts-form")
        self.type_into(self.field("thresholds", form), "plenty, 50")
        self.press(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        self.assertIn("thresholds", self.wait_for("field-error").text.lower() + " thresholds")
        self.assertEqual(self.all("alert-row"), [], "a rejected form saves nothing")
        self.assertEqual(self.field("thresholds", self.find("alerts-form")).get_attribute("value"), "plenty, 50")
        # One far above the balance fires at once; one below it waits, armed.
        form = self.find("alerts-form")
        self.type_into(self.field("thresholds", form), "1, 900000")
        self.press(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        self.assertIn("Balance alerts saved", self.wait_for("flash").text)
        rows = self.all("alert-row")
        self.assertEqual([row.text.split("\n")[0] for row in rows], ["Below 900,000 credits", "Below 1 credit"])
        self.assertEqual([row.find_element(By.CSS_SELECTOR, '[data-test="alert-state"]').text for row in rows], ["Fired", "Armed"])
        self.assertEqual(self.field("thresholds", self.find("alerts-form")).get_attribute("value"), "900000, 1")
        self.find("alerts-form").location_once_scrolled_into_view
        self.shoot("billing-alerts")

    def test_08_a_post_without_the_csrf_token_changes_nothing(self):
        self.go("/app/billing")
        status = self.driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            fetch('/app/billing/purchases', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},
              body: 'credits=500&paymentMethodId=new&cardNumber=4242424242424242&expMonth=12&expYear=2031&cvc=123'})
              .then(r => done(r.status)).catch(e => done(String(e)));
            """
        )
        self.assertEqual(status, 403)
        self.go("/app/billing")
        self.assertEqual(self.text("available"), "1250.000")
        self.assertEqual(len(self.all("purchase-row")), 4)

    def test_09_usage_guard_pauses_and_resumes(self):
        self.go("/app/usage-guard")
        form = self.find("usage-guard-form")
        box = self.field("enabled", form)
        if not box.is_selected():
            box.click()
        self.type_into(self.field("maxRequests", form), "1")
        self.type_into(self.field("windowSeconds", form), "3600")
        self.press(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        self.assertIn("at most 1 credit check per hour", self.wait_for("flash").text)
        # The platform's backend exceeds the limit.
        token = os.environ["TALLY_OPERATOR_TOKEN"]
        api("POST", f"/v1/accounts/{ACCOUNT}/verification", token, {"usBusinessEntity": True})
        key = os.environ["TALLY_API_KEY"]
        lead = {"kind": "credit_score", "contact": {"name": "Lee Lead", "email": "lee@example.com", "phone": "+1 201 555 0123"}}
        api("POST", f"/v1/accounts/{ACCOUNT}/credit-checks", key, lead)
        api("POST", f"/v1/accounts/{ACCOUNT}/credit-checks", key, lead)
        self.go("/app/usage-guard")
        self.assertTrue(self.wait_for("guard-paused").is_displayed())
        self.shoot("usage-guard")
        self.press(self.find("resume"))
        self.assertIn("running again", self.wait_for("flash").text)
        self.assertEqual(self.all("guard-paused"), [])

    def test_09a_spend_caps(self):
        self.go("/app/usage-guard")
        form = self.find("spend-caps-form")
        self.type_into(self.field("sms.day", form), "-5")
        self.press(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        self.assertIn("more than zero", self.wait_for("field-error").text)
        self.assertEqual(self.all("cap-spent"), [], "a rejected form saves nothing")
        self.assertEqual(self.field("sms.day", self.find("spend-caps-form")).get_attribute("value"), "-5")
        form = self.find("spend-caps-form")
        self.type_into(self.field("sms.day", form), "500")
        self.type_into(self.field("credit_score.month", form), "1,000")
        self.press(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        self.assertIn("Spend caps saved: 2 in force", self.wait_for("flash").text)
        notes = [note.text for note in self.all("cap-spent")]
        self.assertEqual(len(notes), 2, notes)
        self.assertTrue(any("of 500 spent today" in note for note in notes), notes)
        self.assertTrue(any("of 1,000 spent this month" in note for note in notes), notes)
        self.find("spend-caps-form").location_once_scrolled_into_view
        self.shoot("usage-guard-caps")

    def test_10_notifications_newest_first(self):
        self.go("/app/notifications")
        rows = self.all("notification-row")
        self.assertGreaterEqual(len(rows), 2)
        self.assertIn("resumed", rows[0].text.lower())
        self.assertTrue(re.search(r"P[SD]T", rows[0].text), rows[0].text)
        self.shoot("notifications")

    def test_11_event_editor_couples_credit_checks_to_validations(self):
        self.go("/app/events")
        self.type_into(self.driver.find_element(By.ID, "new-event"), "open-house")
        self.driver.find_element(By.ID, "new-event").send_keys(Keys.ENTER)
        WebDriverWait(self.driver, 5).until(lambda d: d.current_url.endswith("/app/events/open-house"))
        self.type_into(self.field("name"), "Spring open house")
        self.assertFalse(self.field("emailValidation").is_selected())
        Select(self.field("creditCheck")).select_by_value("dti")
        self.assertTrue(self.field("emailValidation").is_selected())
        self.assertTrue(self.field("phoneValidation").is_selected())
        self.assertTrue(self.find("coupling-note").is_displayed())
        self.type_into(self.field("minCreditScore"), "900")
        self.field("routeName").send_keys("Prime")
        self.press(self.find("save-event"))
        self.assertIn("300", self.wait_for("field-error").text)
        self.assertEqual(self.field("name").get_attribute("value"), "Spring open house")
        self.type_into(self.field("minCreditScore"), "600")
        self.type_into(self.field("maxDtiPercent"), "45")
        self.press(self.find("save-event"))
        self.assertIn("Saved Spring open house", self.wait_for("flash").text)
        self.shoot("event")
        self.go("/app/events")
        self.assertEqual(len(self.all("event-row")), 1)
        self.assertIn("DTI", self.all("event-row")[0].text)
        self.shoot("events")

    def test_12_developers_keys_and_webhooks(self):
        self.go("/app/developers")
        before = len(self.all("api-key-row"))
        self.type_into(self.field("name", self.find("api-key-form")), "Production backend")
        self.press(self.find("create-key"))
        self.assertTrue(self.wait_for("secret").text.startswith("tk_"))
        self.assertEqual(len(self.all("api-key-row")), before + 1)
        self.go("/app/developers")
        self.assertEqual(self.all("secret"), [], "the key is shown once")
        self.type_into(self.field("url", self.find("webhook-form")), "https://example.com/tally-hooks")
        self.press(self.find("add-webhook"))
        self.assertTrue(self.wait_for("secret").text.startswith("whsec_"))
        self.assertEqual(len(self.all("webhook-row")), 1)
        self.shoot("developers")
        rows = self.all("api-key-row")
        self.press(rows[-1].find_element(By.CSS_SELECTOR, '[data-test="revoke-key"]'))
        self.wait_for("flash")
        self.assertEqual(len(self.all("api-key-row")), before)
        self.press(self.find("remove-webhook"))
        self.wait_for("flash")
        self.assertEqual(self.all("webhook-row"), [])

    def test_13_credit_usage_and_its_logs(self):
        key = os.environ["TALLY_API_KEY"]
        for index in range(55):
            domain = "example.invalid" if index % 11 == 0 or index % 4 == 0 else "example.com"
            status, _ = api("POST", f"/v1/accounts/{ACCOUNT}/validations/email", key, {"email": f"lead{index}@{domain}"})
            self.assertEqual(status, 200)
        self.go("/app/usage")
        rows = self.all("usage-row")
        self.assertEqual(len(rows), 5)
        email = next(r for r in rows if "Email validation" in r.text)
        # 55 here and one by the credit check of the usage guard test.
        self.assertEqual(self.find("usage-uses", email).text, "56")
        self.assertEqual(self.find("usage-credits", email).text, "28.000")
        self.assertEqual(self.find("usage-cost", email).text, "0.500")
        chart = self.find("usage-chart")
        self.assertIn("Credits used per day", chart.find_element(By.TAG_NAME, "title").get_attribute("textContent"))
        self.assertGreater(len(chart.find_elements(By.TAG_NAME, "rect")), 0)
        swatch = email.find_element(By.CSS_SELECTOR, ".swatch")
        self.assertEqual(swatch.value_of_css_property("background-color"), "rgba(99, 102, 241, 1)", "the stylesheet colors each feature")
        total = self.text("usage-total")
        self.shoot("usage")
        self.press(self.find("range-7"))
        WebDriverWait(self.driver, 5).until(lambda d: "from=" in d.current_url)
        self.assertIn("active", self.find("range-7").get_attribute("class"))
        self.assertEqual(self.text("usage-total"), total, "everything happened today")
        email = next(r for r in self.all("usage-row") if "Email validation" in r.text)
        self.press(self.find("usage-feature", email))
        WebDriverWait(self.driver, 5).until(lambda d: "/app/logs/email_validation" in d.current_url)
        self.assertIn("from=", self.driver.current_url, "the log keeps the range")
        self.assertEqual(len(self.all("log-row")), 50)
        self.assertIn("56 lines", self.text("log-total"))
        self.assertTrue(re.search(r"P[SD]T", self.all("log-row")[0].text))
        self.shoot("log")
        self.press(self.find("next-page"))
        WebDriverWait(self.driver, 5).until(lambda d: "cursor=" in d.current_url)
        self.assertEqual(len(self.all("log-row")), 6)
        self.assertEqual(self.all("next-page"), [])
        Select(self.field("result")).select_by_value("invalid")
        self.press(self.find("apply-filters"))
        WebDriverWait(self.driver, 5).until(lambda d: "result=invalid" in d.current_url)
        invalid = self.all("log-row")
        self.assertEqual(len(invalid), 17)
        self.assertTrue(all("invalid" in row.text.lower() for row in invalid))
        href = self.find("csv-download").get_attribute("href")
        self.assertIn("result=invalid", href)
        csv = self.driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            fetch(arguments[0]).then(r => r.text().then(t => done([r.status, r.headers.get('content-type'), t])));
            """,
            href,
        )
        self.assertEqual(csv[0], 200)
        self.assertIn("text/csv", csv[1])
        lines = [line for line in csv[2].splitlines() if line.strip()]
        self.assertEqual(len(lines), 1 + 17, csv[2][:300])
        self.assertTrue(lines[0].startswith("Time,"))
        self.assertTrue(all("invalid" in line for line in lines[1:]))
        status, sent = api("POST", f"/v1/accounts/{ACCOUNT}/sms", key, {"to": "+33612345678", "body": "See you at the open house"})
        self.assertEqual(status, 200, sent)
        self.go("/app/logs/sms")
        self.assertEqual(self.text("sms-total-sent"), "1")
        rows = self.all("log-row")
        self.assertEqual(len(rows), 1)
        self.assertIn("+33", rows[0].text)
        self.assertTrue(re.search(r"P[SD]T", rows[0].text))
        self.shoot("sms-log")

    def test_13a_integrations_link_each_log(self):
        self.go("/app/billing")
        self.press(next(a for a in self.find("nav").find_elements(By.TAG_NAME, "a") if a.text == "Integrations"))
        rows = self.all("integration-row")
        self.assertEqual(len(rows), 5)
        self.assertEqual([r.find_element(By.TAG_NAME, "strong").text for r in rows],
                         ["Payments", "SMS", "Phone validation", "Email validation", "Credit checks"])
        self.assertTrue(all("Tally sandbox" in r.text for r in rows), "every role is the sandbox here")
        self.assertIn("test", self.find("integration-mode", rows[0]).text.lower())
        self.assertTrue(self.find("test-mode").is_displayed())
        self.shoot("integrations")
        # Each log link lands on its log: the payments' on Billing's purchase history.
        landings = {
            "Payments": ("/app/billing#purchases", "purchase-row"),
            "SMS": ("/app/logs/sms", "log-row"),
            "Phone validation": ("/app/logs/phone_validation", "log-total"),
            "Email validation": ("/app/logs/email_validation", "log-row"),
            "Credit checks": ("/app/logs/credit_checks", "log-row"),
        }
        for role, (path, test) in landings.items():
            self.go("/app/integrations")
            row = next(r for r in self.all("integration-row") if r.find_element(By.TAG_NAME, "strong").text == role)
            self.press(self.find("integration-log", row))
            self.assertTrue(self.driver.current_url.endswith(path), (role, self.driver.current_url))
            self.wait_for(test)
        self.assertEqual(len(self.all("log-row")), 2, "the credit checks of the usage guard test")

    def test_13b_an_unknown_page_is_a_404_with_the_navigation(self):
        self.go("/app/no-such-page")
        self.assertIn("no such page", self.wait_for("not-found").text.lower())
        self.assertTrue(self.find("nav").is_displayed())
        self.assertTrue(self.find("test-mode").is_displayed())
        status = self.driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            fetch('/app/no-such-page').then(r => done([r.status, r.headers.get('content-type')]));
            """
        )
        self.assertEqual(status[0], 404)
        self.assertIn("text/html", status[1])
        self.shoot("not-found")

    def test_13c_credit_usage_opens_with_the_wallet_and_buys_from_it(self):
        self.go("/app/billing")
        figures = {name: self.text(name) for name in ("available", "used", "total")}
        self.go("/app/usage")
        self.assertEqual({name: self.text(name) for name in figures}, figures, "the same wallet as Billing")
        self.assertIn("Auto-recharge On", self.text("auto-recharge-status"))
        summary = self.find("available").location["y"]
        self.assertLess(summary, self.all("usage-row")[0].location["y"], "the summary comes first")
        self.find("buy-credits").click()
        dialog = self.driver.find_element(By.ID, "buy-dialog")
        WebDriverWait(self.driver, 5).until(lambda d: dialog.is_displayed())
        self.find("bundle-500", dialog).click()
        self.assertEqual(self.find("price", dialog).text, "$100.00")
        method = Select(self.field("paymentMethodId", dialog))
        method.select_by_visible_text(next(o.text for o in method.options if "4242" in o.text))
        self.press(self.find("confirm-buy", dialog))
        self.assertIn("500.000", self.wait_for("flash").text)
        self.assertTrue(self.driver.current_url.endswith("/app/usage"), "back where the purchase started")
        before = int(figures["available"].replace(".", ""))
        self.assertEqual(int(self.text("available").replace(".", "")), before + 500_000)
        self.shoot("usage-summary")

    def test_13d_recent_activity_speaks_the_users_language(self):
        operator = os.environ["TALLY_OPERATOR_TOKEN"]
        key = os.environ["TALLY_API_KEY"]
        _, session = api("POST", "/v1/sessions", "", {"email": OWNER, "password": PASSWORD})
        owner = session["token"]
        base = f"/v1/accounts/{ACCOUNT}"
        status, _ = api("POST", base + "/grants", operator, {"credits": 50, "reason": "welcome bonus"})
        self.assertEqual(status, 201)
        status, _ = api("POST", base + "/adjustments", operator, {"credits": 5, "reason": "goodwill"})
        self.assertEqual(status, 201)
        _, hold = api("POST", base + "/holds", key, {"feature": "calls", "credits": 20})
        status, _ = api("POST", f"{base}/holds/{hold['id']}/capture", key, {"credits": 12})
        self.assertEqual(status, 200)
        _, purchases = api("GET", base + "/purchases", owner)
        paid = next(p for p in purchases["items"] if p["status"] == "succeeded")
        status, refund = api("POST", f"{base}/purchases/{paid['id']}/refunds", owner, {"credits": 10})
        self.assertIn(status, (200, 201), refund)
        lead = {"kind": "credit_score", "contact": {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+1 201 555 0199"}}
        status, _ = api("PUT", f"/v1/accounts/{ACCOUNT}/usage-guard", owner, {"enabled": False, "maxRequests": 1, "windowSeconds": 3600})
        self.assertEqual(status, 200)
        status, check = api("POST", base + "/credit-checks", key, lead)
        self.assertEqual(status, 200, check)
        self.go("/app/billing")
        rows = [self.find("activity-what", r).text for r in self.all("activity-row")]
        expected = [
            "Credit score · Ada Lovelace",
            "Refund",
            "calls · held by your platform",
            "Adjustment · goodwill",
            "Granted · welcome bonus",
        ]
        self.assertEqual(rows[:5], expected)
        first = self.all("activity-row")[0]
        self.assertEqual(self.find("activity-change", first).text, "-" + check["totalCredits"])
        self.assertTrue(any(r.startswith("SMS · +33") for r in rows), rows)
        self.assertTrue(any(re.match(r"Bought \d{1,3}(,\d{3})? credits · Visa 4242", r) for r in rows), rows)
        self.assertFalse(any(r.split(" · ")[0] in ("Hold", "Capture", "Release") for r in rows), rows)
        csv = self.driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            fetch(arguments[0]).then(r => r.text().then(t => done([r.status, r.headers.get('content-type'), t])));
            """,
            self.find("ledger-csv").get_attribute("href"),
        )
        self.assertEqual(csv[0], 200)
        self.assertIn("text/csv", csv[1])
        self.assertTrue(csv[2].startswith("Time,Kind"))
        self.assertIn(",capture,", csv[2], "the CSV has every entry, the captures too")
        # On a phone every line reads whole: nothing is cut off or scrolls sideways.
        self.driver.set_window_size(390, 900)
        try:
            for test in ("activity-row", "purchase-row"):
                for row in self.all(test):
                    fits = self.driver.execute_script(
                        "const r = arguments[0].getBoundingClientRect();"
                        "return r.right <= document.documentElement.clientWidth && arguments[0].scrollWidth <= arguments[0].clientWidth;",
                        row,
                    )
                    self.assertTrue(fits, f"{test} does not fit at 390 px: {row.text}")
        finally:
            self.driver.set_window_size(1280, 900)
        self.shoot("billing-activity")

    def test_13e_every_charge_is_explained(self):
        self.go("/app/billing")
        first = self.all("activity-row")[0]
        self.press(self.find("activity-explain", first))
        self.wait_for("explanation")
        self.assertRegex(self.driver.current_url, r"/app/ledger/[^/]+$")
        words = self.text("explanation")
        self.assertIn("credit score 15.000 + email validation 0.500 + phone validation 1.500", words)
        def thousandths(test):
            text = self.text(test).replace("+", "")
            whole, _, decimals = text.partition(".")
            sign = -1 if whole.startswith("-") else 1
            return sign * (abs(int(whole)) * 1000 + int(decimals or 0))
        self.assertEqual(thousandths("balance-before") + thousandths("explanation-credits"), thousandths("balance-after"))
        self.assertTrue(self.all("explanation-lot"), "the lots it drew from")
        self.find("explanation-hold")
        self.find("explanation-log-line")
        self.shoot("ledger-explanation")
        # Each log line opens the explanation of the entry that charged it.
        self.go("/app/logs/credit_checks")
        self.press(self.find("log-explain", self.all("log-row")[0]))
        self.wait_for("explanation")
        self.assertRegex(self.driver.current_url, r"/app/ledger/[^/]+$")
        self.assertIn("credit score", self.text("explanation"))
        # What users type is shown as text, never as markup.
        operator = os.environ["TALLY_OPERATOR_TOKEN"]
        status, _ = api("POST", f"/v1/accounts/{ACCOUNT}/grants", operator, {"credits": 1, "reason": "<i>vip</i>"})
        self.assertEqual(status, 201)
        self.go("/app/billing")
        self.press(self.find("activity-explain", self.all("activity-row")[0]))
        self.wait_for("explanation")
        self.assertIn("<i>vip</i>", self.text("explanation"))
        self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR, "[data-test=explanation] i"), [])

    def test_14_log_out(self):
        self.go("/app/billing")
        self.press(self.find("logout"))
        WebDriverWait(self.driver, 5).until(lambda d: "/app/login" in d.current_url)
        self.go("/app/billing")
        self.assertIn("/app/login", self.driver.current_url)

    def test_14a_two_login_tabs_both_work(self):
        """Two login pages open at once: logging in from one leaves the other's form good."""
        self.driver.delete_all_cookies()
        self.go("/app/login")
        first = self.driver.current_window_handle
        self.driver.switch_to.new_window("tab")
        self.go("/app/login")
        self.login(OWNER, PASSWORD)
        WebDriverWait(self.driver, 10).until(lambda d: "/app/login" not in d.current_url)
        self.driver.close()
        self.driver.switch_to.window(first)
        self.login(OWNER, PASSWORD)
        WebDriverWait(self.driver, 10).until(lambda d: "/app/login" not in d.current_url)
        self.assertNotIn("expired", self.driver.find_element(By.TAG_NAME, "body").text.lower())
        self.go("/app/billing")
        self.wait_for("available")

    # -- a member ----------------------------------------------------------------

    def test_15_a_member_sees_the_forbidden_page(self):
        self.driver.delete_all_cookies()
        self.go("/app/login")
        self.login(MEMBER, PASSWORD)
        self.assertIn("owner and super admins", self.wait_for("forbidden").text)
        for path in ("/app/billing", "/app/usage-guard", "/app/developers"):
            self.go(path)
            self.assertTrue(self.find("forbidden").is_displayed(), path)
        self.shoot("forbidden")


if __name__ == "__main__":
    unittest.main(verbosity=2)
