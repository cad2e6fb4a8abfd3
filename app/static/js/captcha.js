/* Clicking a captcha picture (or its "refresh" link) loads a new one. */
(function () {
  "use strict";
  function refresh(img) {
    var base = img.getAttribute("data-src");
    img.src = base + "?t=" + Date.now();
  }
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.classList && target.classList.contains("zp-captcha-image")) {
      refresh(target);
    } else if (target.classList && target.classList.contains("zp-captcha-refresh")) {
      event.preventDefault();
      var img = document.getElementById(target.getAttribute("data-target"));
      if (img) { refresh(img); }
    }
  });
})();
