// Checks the card form before it is sent (the server checks again) and shows
// the brand as the number is typed. Nothing leaves this page but the form
// post to our own origin.
(function () {
  "use strict";
  var form = document.getElementById("pay");
  if (!form) return;
  var num = document.getElementById("cardNo");
  var brandEl = document.getElementById("brand");
  var month = document.getElementById("expiryMonth");
  var year = document.getElementById("expiryYear");
  var cvc = document.getElementById("cvc");
  var errEl = document.getElementById("client-error");

  function digits(s) { return s.replace(/[\s-]/g, ""); }
  function prefix(n, len) { return parseInt(n.slice(0, len), 10) || 0; }
  function brand(n) {
    if (/^4/.test(n)) return "visa";
    if (/^3[47]/.test(n)) return "amex";
    if (/^3(0[0-5]|09|[689])/.test(n)) return "diners";
    var p4 = prefix(n, 4);
    if (p4 >= 3528 && p4 <= 3589) return "jcb";
    if (/^5[1-5]/.test(n) || (p4 >= 2221 && p4 <= 2720)) return "mastercard";
    if (/^(62|81)/.test(n)) return "unionpay";
    var p3 = prefix(n, 3);
    if (/^(6011|65)/.test(n) || (p3 >= 644 && p3 <= 649)) return "discover";
    return "";
  }
  function luhn(n) {
    var sum = 0, alt = false;
    for (var i = n.length - 1; i >= 0; i--) {
      var d = n.charCodeAt(i) - 48;
      if (alt) { d *= 2; if (d > 9) d -= 9; }
      sum += d; alt = !alt;
    }
    return sum % 10 === 0;
  }
  function check() {
    var n = digits(num.value), b = brand(n);
    if (!/^\d{13,19}$/.test(n) || !b || (b !== "unionpay" && !luhn(n))) return [num, num.dataset.msg];
    var m = parseInt(month.value, 10), y = parseInt(year.value, 10);
    if (!/^\d{1,2}$/.test(month.value) || m < 1 || m > 12 || !/^(\d{2}|\d{4})$/.test(year.value)) return [month, month.dataset.msg];
    if (y < 100) y += 2000;
    var now = new Date();
    if (y < now.getFullYear() || (y === now.getFullYear() && m < now.getMonth() + 1)) return [month, month.dataset.expired];
    if (!new RegExp("^\\d{" + (b === "amex" ? 4 : 3) + "}$").test(cvc.value)) return [cvc, cvc.dataset.msg];
    return null;
  }
  num.addEventListener("input", function () {
    var b = brand(digits(num.value));
    brandEl.textContent = b;
    num.dataset.brand = b;
  });
  form.addEventListener("submit", function (e) {
    [num, month, year, cvc].forEach(function (el) { el.removeAttribute("aria-invalid"); });
    var bad = check();
    if (bad) {
      e.preventDefault();
      bad[0].setAttribute("aria-invalid", "true");
      errEl.textContent = bad[1];
      errEl.hidden = false;
      bad[0].focus();
      return;
    }
    document.getElementById("pay-button").disabled = true; // one post per click
  });
})();

// Watches an open wallet attempt on the cashier page: asks our own status
// endpoint every 2 s and moves on (to the merchant, or to the page showing
// the outcome) once the payment is no longer waiting for the wallet.
(function () {
  "use strict";
  var box = document.getElementById("wallet-attempt");
  if (!box || !window.fetch) return;
  var url = box.dataset.statusUrl;
  function poll() {
    fetch(url, { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.state === "wallet") { setTimeout(poll, 2000); return; }
        box.dataset.state = s.state;
        window.location.assign(s.next);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 2000);
})();
