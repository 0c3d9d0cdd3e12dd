"""The billing web app with Stripe on, in headless Chromium, against the fake Stripe.

Run by scripts/browser-test-stripe, which starts fake-stripe and a `tally serve` whose
payments go to it (Stripe test key, webhook set to Tally's /v1/providers/stripe/events),
seeds an owner and exports TALLY_URL, FAKE_STRIPE_URL, TALLY_OWNER_EMAIL and
TALLY_PASSWORD. Card details are only ever typed on Stripe's pages (here the fake's
hosted Checkout and 3-D Secure pages). The tests run in order, one owner's session.
"""
import os
import unittest

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

URL = os.environ["TALLY_URL"]
STRIPE = os.environ["FAKE_STRIPE_URL"]
OWNER = os.environ["TALLY_OWNER_EMAIL"]
PASSWORD = os.environ["TALLY_PASSWORD"]
ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
DOCS = os.path.join(ROOT, "docs")
SHOTS = os.path.join(os.path.dirname(__file__), "screenshots")
CARD_FIELDS = ("cardNumber", "expMonth", "expYear", "cvc")


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


class StripeWeb(unittest.TestCase):
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
        # The pages' form-action lets the Buy dialog's answer lead to Stripe, and nothing else was blocked.
        blocked = [e["message"] for e in self.driver.get_log("browser") if "Content Security Policy" in e["message"]]
        self.assertEqual(blocked, [], "the Content-Security-Policy blocked something")

    # -- helpers ---------------------------------------------------------------

    def go(self, path):
        self.driver.get(URL + path)

    def find(self, test, within=None):
        return (within or self.driver).find_element(By.CSS_SELECTOR, f'[data-test="{test}"]')

    def all(self, test):
        return self.driver.find_elements(By.CSS_SELECTOR, f'[data-test="{test}"]')

    def by_id(self, element_id):
        return self.driver.find_element(By.ID, element_id)

    def press(self, element):
        """Clicks something that loads a page (here or at Stripe), and waits for the new page."""
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
            self.driver.save_screenshot(os.path.join(SHOTS, f"failed-stripe-{self._testMethodName}.png"))
            body = self.driver.find_element(By.TAG_NAME, "body").text
            raise AssertionError(f"no visible data-test={test} on {self.driver.current_url}:\n{body[:1500]}") from None

    def text(self, test):
        return self.find(test).text.strip()

    def assert_no_card_fields(self):
        for name in CARD_FIELDS:
            self.assertEqual(self.driver.find_elements(By.NAME, name), [], f"Tally rendered a {name} field")

    def open_buy_dialog(self):
        self.go("/app/billing")
        self.find("buy-credits").click()
        dialog = self.by_id("buy-dialog")
        WebDriverWait(self.driver, 5).until(lambda d: dialog.is_displayed())
        return dialog

    def on_stripe(self, page):
        """The browser is on the fake Stripe's `page` (`checkout` or `3ds`)."""
        self.assertTrue(self.driver.current_url.startswith(f"{STRIPE}/{page}/"), self.driver.current_url)

    def add_card_on_stripe(self, payment_method):
        """Billing's Add a card → Stripe Checkout in setup mode → the card saved → Billing."""
        self.go("/app/billing")
        self.press(self.find("add-card"))
        self.on_stripe("checkout")
        self.assertEqual(self.driver.find_elements(By.ID, "pay"), [], "setup mode asks for no payment")
        Select(self.by_id("card")).select_by_value(payment_method)
        self.press(self.by_id("save"))
        return self.wait_for("flash").text

    # -- the owner, with Stripe on ------------------------------------------------

    def test_01_billing_in_stripe_test_mode_renders_no_card_field(self):
        self.go("/app/login?next=/app/billing")
        self.driver.find_element(By.NAME, "email").send_keys(OWNER)
        self.driver.find_element(By.NAME, "password").send_keys(PASSWORD)
        self.press(self.find("login-submit"))
        self.wait_for("available")
        self.assertIn("test mode", self.find("test-mode").text.lower())
        self.assertEqual(self.text("available"), "0.000")
        self.assert_no_card_fields()
        dialog = self.open_buy_dialog()
        self.assert_no_card_fields()
        self.find("bundle-500", dialog).click()
        self.assertEqual(self.find("price", dialog).text, "$100.00")
        self.assertTrue(self.find("save-card", dialog).is_selected(), "a new card is kept unless the box is unticked")
        self.assertIn("on Stripe", self.find("confirm-buy", dialog).text)

    def test_02_add_a_card_through_stripe_checkout(self):
        self.assertEqual(self.add_card_on_stripe("pm_card_visa"), "Saved Visa ending in 4242.")
        self.assertTrue(self.driver.current_url.startswith(URL + "/app/billing?checkout=cs_"), self.driver.current_url)
        self.assertEqual(len(self.all("card-row")), 1)
        self.assertIn("4242", self.find("card-row").text)
        self.assert_no_card_fields()

    def test_03_screenshots_of_billing_in_stripe_test_mode(self):
        """docs/billing-stripe.png and docs/billing-stripe-390.png: the ribbon and the Buy dialog, no card field."""
        os.makedirs(DOCS, exist_ok=True)
        # Tall enough at 390 px for the whole dialog, its Pay button included.
        for width, height, name in ((1280, 900, "billing-stripe.png"), (390, 1180, "billing-stripe-390.png")):
            self.driver.set_window_size(width, height)
            dialog = self.open_buy_dialog()
            self.find("bundle-1000", dialog).click()
            self.assertTrue(self.find("test-mode").is_displayed())
            self.assertTrue(self.find("new-card", dialog).is_displayed())
            self.assert_no_card_fields()
            self.driver.save_screenshot(os.path.join(DOCS, name))
        # The whole page too (Saved cards with Add a card), for a look.
        self.go("/app/billing")
        for width in (1280, 390):
            self.driver.set_window_size(width, 900)
            height = self.driver.execute_script("return Math.max(document.body.scrollHeight, 900)")
            self.driver.set_window_size(width, min(height + 120, 6000))
            self.driver.save_screenshot(os.path.join(SHOTS, f"billing-stripe-page-{width}.png"))
        self.driver.set_window_size(1280, 900)

    def test_04_buy_with_a_new_card_through_checkout(self):
        dialog = self.open_buy_dialog()
        self.find("bundle-1000", dialog).click()
        self.assertEqual(self.find("price", dialog).text, "$200.00")
        self.assertTrue(self.find("save-card", dialog).is_selected())
        self.press(self.find("new-card", dialog))
        self.on_stripe("checkout")
        self.assertEqual(self.by_id("amount").text, "$200.00 USD")
        self.assertIn("1,000 credits", self.by_id("product").text)
        Select(self.by_id("card")).select_by_value("pm_card_mastercard")
        self.press(self.by_id("pay"))
        self.assertEqual(self.wait_for("flash").text, "Paid: 1000.000 credits were added to your wallet.")
        self.assertEqual(self.text("available"), "1000.000")
        self.assertEqual(len(self.all("card-row")), 2, "the ticked card is kept")
        self.assertEqual(len(self.all("purchase-row")), 1)

    def test_05_a_declined_card_on_checkout_adds_nothing(self):
        dialog = self.open_buy_dialog()
        self.find("bundle-500", dialog).click()
        self.press(self.find("new-card", dialog))
        self.on_stripe("checkout")
        Select(self.by_id("card")).select_by_value("pm_card_chargeDeclined")
        self.press(self.by_id("pay"))
        self.on_stripe("checkout")
        self.assertIn("declined", self.by_id("error").text.lower())
        # The buyer gives up: Stripe's link back.
        self.press(self.by_id("cancel"))
        self.assertIn("canceled", self.wait_for("flash").text)
        self.assertEqual(self.text("available"), "1000.000")
        self.assertEqual(len(self.all("card-row")), 2)

    def test_06_a_saved_card_that_needs_3d_secure(self):
        self.assertEqual(self.add_card_on_stripe("pm_card_authenticationRequired"), "Saved Visa ending in 3184.")
        dialog = self.open_buy_dialog()
        method = Select(self.driver.find_element(By.NAME, "paymentMethodId"))
        choice = next(o for o in method.options if "3184" in o.text)
        method.select_by_value(choice.get_attribute("value"))
        self.find("bundle-2000", dialog).click()
        self.press(self.find("confirm-buy", dialog))
        self.on_stripe("3ds")
        self.press(self.by_id("authenticate"))
        self.assertTrue(self.driver.current_url.startswith(URL + "/app/billing?purchase=pur_"), self.driver.current_url)
        self.assertEqual(self.wait_for("flash").text, "Paid: 2000.000 credits were added to your wallet.")
        self.assertEqual(self.text("available"), "3000.000")


if __name__ == "__main__":
    unittest.main()
