// The public pay page of an ePayco link: opens ePayco's Smart Checkout session on the button's click.
// The session id and the test flag come from the button's data- attributes (no inline script: CSP).
(function () {
  "use strict";
  var button = document.getElementById("epayco-pay");
  if (!button) {
    return;
  }
  button.addEventListener("click", function () {
    if (!window.ePayco || !window.ePayco.checkout) {
      button.nextElementSibling.hidden = false;
      return;
    }
    window.ePayco.checkout.configure({
      sessionId: button.dataset.session,
      type: "standard",
      test: button.dataset.test === "true"
    }).open();
  });
})();
