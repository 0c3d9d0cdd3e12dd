/// The little JavaScript the pages use: the Buy credits dialog, the live price and the
/// event editor's coupling of credit checks to validations. Every form works without it.
extension WebAssets {
    static let script = #"""
        "use strict";
        document.documentElement.classList.add("js");

        function newKey() {
          const bytes = new Uint8Array(16);
          crypto.getRandomValues(bytes);
          return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
        }

        function dollars(cents) {
          const whole = Math.floor(cents / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
          return "$" + whole + "." + String(cents % 100).padStart(2, "0");
        }

        function setUpBuyDialog() {
          const dialog = document.getElementById("buy-dialog");
          if (!dialog) return;
          const form = dialog.querySelector("form");
          const credits = form.querySelector("[name=credits]");
          const price = form.querySelector("[data-test=price]");
          const priceCopy = form.querySelector("[data-price-copy]");
          const centsPerCredit = parseInt(form.dataset.centsPerCredit, 10);
          const bundles = form.querySelectorAll("[data-credits]");
          const method = form.querySelector("[name=paymentMethodId]");
          const cardFields = document.getElementById("new-card-fields");
          const confirm = form.querySelector("[data-test=confirm-buy]");

          function updatePrice() {
            const text = credits.value.trim();
            let shown = "—";
            if (/^\d{1,7}$/.test(text) && parseInt(text, 10) >= 100) {
              shown = dollars(parseInt(text, 10) * centsPerCredit);
            }
            price.textContent = shown;
            priceCopy.textContent = shown;
            bundles.forEach((b) => {
              const on = b.dataset.credits === text;
              b.classList.toggle("selected", on);
              b.setAttribute("aria-pressed", on ? "true" : "false");
            });
          }
          function showCardFields(show) {
            // With Stripe on there are no card fields: a new card is typed on Stripe's page.
            if (cardFields) cardFields.classList.toggle("js-hidden", !show);
          }
          function open() {
            form.querySelector("[name=idempotencyKey]").value = newKey();
            confirm.disabled = false;
            if (!dialog.open) dialog.showModal();
            credits.focus();
          }

          credits.addEventListener("input", updatePrice);
          bundles.forEach((b) => b.addEventListener("click", () => {
            credits.value = b.dataset.credits;
            updatePrice();
          }));
          if (method) {
            method.addEventListener("change", () => showCardFields(method.value === "new"));
          }
          const newCard = form.querySelector("[data-test=new-card]");
          if (newCard && cardFields) {
            newCard.addEventListener("click", () => {
              if (method) method.value = "new";
              showCardFields(true);
              form.querySelector("[name=cardNumber]").focus();
            });
          }
          document.querySelectorAll("[data-open-dialog]").forEach((a) => a.addEventListener("click", (event) => {
            event.preventDefault();
            open();
          }));
          dialog.querySelectorAll("[data-close-dialog]").forEach((a) => a.addEventListener("click", (event) => {
            event.preventDefault();
            dialog.close();
          }));
          form.addEventListener("submit", () => {
            // A second click sends nothing; the idempotency key covers a resubmit anyway.
            setTimeout(() => { confirm.disabled = true; }, 0);
          });
          if (dialog.hasAttribute("data-open-on-load")) {
            // Re-rendered with an error: the same dialog, modal again, input kept.
            dialog.close();
            dialog.showModal();
            const problem = dialog.querySelector(".field-error, [data-test=purchase-error]");
            if (problem) problem.scrollIntoView({ block: "nearest" });
          }
          updatePrice();
        }

        function setUpEventEditor() {
          const check = document.querySelector("[data-couples-validations]");
          if (!check) return;
          const note = document.getElementById("coupling-note");
          check.addEventListener("change", () => {
            const on = check.value !== "none";
            if (on) {
              ["emailValidation", "phoneValidation"].forEach((name) => {
                const box = document.querySelector("[name=" + name + "]");
                if (!box.checked) {
                  box.checked = true;
                  box.closest(".toggle").classList.add("flash-on");
                }
              });
            }
            note.classList.toggle("js-hidden", !on);
          });
        }

        document.addEventListener("DOMContentLoaded", () => {
          setUpBuyDialog();
          setUpEventEditor();
        });
        """#
}
