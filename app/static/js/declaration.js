/* The applicant's application pages: cascading selects (申报门类 → 职称 → 专业类别 → 专业), character counters,
   the paper-materials rows, the 破格 reason and confirmations. Plain JS; the pages also work without it. */
(function () {
  "use strict";

  function fill(select, results, nextNote, preselectNext) {
    var keep = select.value;
    while (select.options.length > 1) { select.remove(1); }
    var chosen = false;
    results.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.code;
      option.textContent = item.label + (item.next && nextNote ? "（" + nextNote + "）" : "");
      if (item.next) { option.setAttribute("data-next", "1"); }
      if (item.code === keep) { option.selected = true; chosen = true; }
      select.appendChild(option);
    });
    if (!chosen && preselectNext) {
      for (var i = 0; i < select.options.length; i++) {
        if (select.options[i].getAttribute("data-next")) { select.selectedIndex = i; break; }
      }
    }
    if (!chosen && !preselectNext) { select.selectedIndex = 0; }
  }

  function load(form, dict, key, target, preselectNext) {
    var select = form.querySelector('select[data-level="' + target + '"]');
    if (!select) { return; }
    if (!key) { fill(select, [], null, false); select.dispatchEvent(new Event("change")); return; }
    var url = form.getAttribute("data-options-url") + "?dict=" + encodeURIComponent(dict) +
      "&" + (dict === "specialty" ? "parent" : "series") + "=" + encodeURIComponent(key);
    var request = new XMLHttpRequest();
    request.open("GET", url);
    request.onload = function () {
      if (request.status !== 200) { return; }
      fill(select, JSON.parse(request.responseText).results || [], form.getAttribute("data-next-note"), preselectNext);
      select.dispatchEvent(new Event("change"));
    };
    request.send();
  }

  function cascade(form) {
    var series = form.querySelector('select[data-level="series"]');
    var category = form.querySelector('select[data-level="category"]');
    if (series) {
      series.addEventListener("change", function () {
        load(form, "title", series.value, "title", true);
        load(form, "specialty_category", series.value, "category", false);
      });
    }
    if (category) {
      category.addEventListener("change", function () { load(form, "specialty", category.value, "specialty", false); });
    }
    var refresh = form.querySelector(".zp-refresh");
    if (refresh) { refresh.style.display = "none"; }
  }

  function counter(area) {
    var note = document.createElement("p");
    note.className = "help-block zp-counter";
    area.parentNode.insertBefore(note, area.nextSibling);
    var limit = area.getAttribute("maxlength");
    function update() {
      var count = area.value.replace(/\s/g, "").length;
      note.textContent = count + (limit ? " / " + limit : "");
    }
    area.addEventListener("input", update);
    update();
  }

  function renumber(body) {
    Array.prototype.forEach.call(body.querySelectorAll("tr"), function (row, index) {
      var cell = row.querySelector(".zp-row-no");
      if (cell) { cell.textContent = index + 1; }
    });
  }

  function materials(table) {
    var body = table.querySelector("tbody");
    var add = table.parentNode.querySelector("[data-add-row]");
    if (add) {
      add.addEventListener("click", function () {
        var rows = body.querySelectorAll("tr");
        var row = rows[rows.length - 1].cloneNode(true);
        Array.prototype.forEach.call(row.querySelectorAll("input"), function (input) { input.value = ""; });
        body.appendChild(row);
        renumber(body);
      });
    }
    body.addEventListener("click", function (event) {
      if (!event.target.hasAttribute("data-remove-row")) { return; }
      var row = event.target.closest("tr");
      if (body.querySelectorAll("tr").length > 1) {
        body.removeChild(row);
      } else {
        Array.prototype.forEach.call(row.querySelectorAll("input"), function (input) { input.value = ""; });
      }
      renumber(body);
    });
  }

  function toggles(box) {
    var target = document.getElementById(box.getAttribute("data-toggles"));
    if (!target) { return; }
    function update() { target.style.display = box.checked ? "" : "none"; }
    box.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-cascade]"), cascade);
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-counter]"), counter);
    Array.prototype.forEach.call(document.querySelectorAll("table[data-materials]"), materials);
    Array.prototype.forEach.call(document.querySelectorAll("input[data-toggles]"), toggles);
  });

  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
