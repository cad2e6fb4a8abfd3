// The import result page: print the initial passwords.
(function () {
  "use strict";
  var button = document.getElementById("zp-print-passwords");
  if (button) {
    button.addEventListener("click", function () { window.print(); });
  }
})();
