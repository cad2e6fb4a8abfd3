/* Reviewers' 待办: select every row at once; ask before a bulk approval. */
(function () {
  document.addEventListener("change", function (event) {
    if (!event.target.classList.contains("zp-check-all")) {
      return;
    }
    var boxes = document.querySelectorAll('input[type="checkbox"][name="ids"]');
    for (var i = 0; i < boxes.length; i++) {
      boxes[i].checked = event.target.checked;
    }
  });
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
