(function () {
  "use strict";
  var table = document.getElementById("credentials");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.querySelectorAll("tr.row"));
  var search = document.getElementById("filter-text");
  var selects = Array.prototype.slice.call(document.querySelectorAll("[data-filter]"));
  var failingOnly = document.getElementById("filter-failing");
  var count = document.getElementById("shown-count");
  var empty = document.getElementById("no-match");

  function detailOf(row) { return document.getElementById("d-" + row.dataset.id); }

  function toggle(row, open) {
    var detail = detailOf(row);
    var show = open === undefined ? detail.hidden : open;
    detail.hidden = !show;
    row.setAttribute("aria-expanded", show ? "true" : "false");
  }

  rows.forEach(function (row) {
    row.addEventListener("click", function (event) {
      if (event.target.closest("a")) { return; }
      toggle(row);
    });
    row.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(row); }
    });
  });

  function applyFilters() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var text = row.dataset.search;
      var visible = words.every(function (word) { return text.indexOf(word) !== -1; });
      selects.forEach(function (select) {
        if (select.value && row.dataset[select.dataset.filter] !== select.value) { visible = false; }
      });
      if (failingOnly.checked && row.dataset.failing !== "true") { visible = false; }
      row.hidden = !visible;
      if (!visible) { toggle(row, false); }
      shown += visible ? 1 : 0;
    });
    count.textContent = shown + " of " + rows.length + " credentials";
    empty.hidden = shown !== 0;
  }
  search.addEventListener("input", applyFilters);
  selects.forEach(function (select) { select.addEventListener("change", applyFilters); });
  failingOnly.addEventListener("change", applyFilters);

  var headers = Array.prototype.slice.call(table.querySelectorAll("th[data-sort]"));
  headers.forEach(function (header) {
    header.querySelector("button").addEventListener("click", function () {
      var key = header.dataset.sort;
      var numeric = header.dataset.type === "number";
      var descending = header.getAttribute("aria-sort") === "ascending";
      headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
      header.setAttribute("aria-sort", descending ? "descending" : "ascending");
      var sign = descending ? -1 : 1;
      rows.sort(function (a, b) {
        var x = a.dataset[key], y = b.dataset[key];
        var order = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y);
        return sign * order || (parseInt(a.dataset.n, 10) - parseInt(b.dataset.n, 10));
      });
      rows.forEach(function (row) { body.appendChild(row); body.appendChild(detailOf(row)); });
    });
  });

  function openFromHash() {
    var id = decodeURIComponent(location.hash.replace(/^#c-/, ""));
    var row = rows.filter(function (r) { return r.dataset.id === id; })[0];
    if (!row) { return; }
    if (row.hidden) { search.value = ""; selects.forEach(function (s) { s.value = ""; }); failingOnly.checked = false; applyFilters(); }
    toggle(row, true);
    row.scrollIntoView({ block: "center" });
    row.focus();
  }
  window.addEventListener("hashchange", openFromHash);
  applyFilters();
  openFromHash();
})();
