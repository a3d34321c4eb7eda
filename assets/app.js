// Progressive enhancement only: every page works without JavaScript.
// Ask before destructive actions (buttons styled .danger) and before acts a form names
// (data-confirm: an approval that issues a numbered document). A form that was sent is not
// sent again by a second click while the answer loads; the server refuses a repeated step
// anyway, this spares the user the refusal.
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  var b = ev.submitter;
  var question = form.dataset && form.dataset.confirm;
  if (!question && b && b.classList.contains("danger")) question = "确定要" + b.textContent.trim() + "吗？";
  if (question && !window.confirm(question)) {
    ev.preventDefault();
    return;
  }
  if ((form.method || "").toLowerCase() === "post") {
    if (form.dataset.sent) {
      ev.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    // If the answer never replaces the page (the connection failed), the form works again.
    setTimeout(function () { delete form.dataset.sent; }, 15000);
    keep(form);
  }
});

// No work lost on a refusal: what was typed into a form is kept for this tab when it is sent.
// If the server refuses it, the page comes back with the refusal (#step-error, a field error)
// and the same form, and the kept values are put back; on any other page they are dropped.
var KEPT = "shuangda.kept-form";
function keep(form) {
  if (!form.id || !window.sessionStorage) return;
  var fields = [];
  Array.prototype.forEach.call(form.elements, function (el) {
    if (!el.name || el.name === "_csrf" || el.type === "file" || el.type === "password" || el.type === "hidden") return;
    if (el.type === "checkbox" || el.type === "radio") {
      fields.push([el.name, el.value, el.checked]);
    } else if (el.multiple) {
      fields.push([el.name, Array.prototype.filter.call(el.options, function (o) { return o.selected; }).map(function (o) { return o.value; })]);
    } else {
      fields.push([el.name, el.value]);
    }
  });
  try { sessionStorage.setItem(KEPT, JSON.stringify({ id: form.id, fields: fields })); } catch (e) { /* storage full or off */ }
}
document.addEventListener("DOMContentLoaded", function () {
  if (!window.sessionStorage) return;
  var kept = sessionStorage.getItem(KEPT);
  sessionStorage.removeItem(KEPT);
  if (!kept) return;
  var refused = document.querySelector("#step-error, .field-error, .error-text[role=alert]");
  var data = JSON.parse(kept);
  var form = document.getElementById(data.id);
  if (!refused || !form) return;
  data.fields.forEach(function (f) {
    var els = form.querySelectorAll("[name='" + f[0].replace(/'/g, "") + "']");
    Array.prototype.forEach.call(els, function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.value === f[1]) el.checked = f[2];
      } else if (el.multiple && Array.isArray(f[1])) {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = f[1].indexOf(o.value) >= 0; });
      } else if (!Array.isArray(f[1])) {
        el.value = f[1];
      }
    });
  });
});
// A refused form marks each field in error (red border, announced with its message) and puts
// the cursor in the first, scrolled into view: the person sees at once what to correct.
// Registered after the handler above, so the kept values are back before the focus moves.
document.addEventListener("DOMContentLoaded", function () {
  var first = null;
  document.querySelectorAll("p.field-error").forEach(function (err, i) {
    var form = err.closest("form");
    var name = err.getAttribute("data-field");
    var field = null;
    if (form && name) field = form.querySelector("[name='" + name.replace(/'/g, "") + "']");
    if (!field) {
      var before = err.previousElementSibling;
      if (before) field = before.matches("input, select, textarea") ? before : before.querySelector("input, select, textarea");
    }
    if (!field) return;
    if (!err.id) err.id = "field-error-" + i;
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", err.id);
    if (!first) first = field;
  });
  if (first) {
    first.focus({ preventScroll: true });
    first.scrollIntoView({ block: "center" });
  }
});
// Coming back to a page from the browser's history shows its forms ready to send again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-sent]").forEach(function (f) { delete f.dataset.sent; });
});

// A file input with data-fills="ID" reads the chosen text file into the textarea #ID, so an
// administrator can load a schedule file and still review it before saving.
document.addEventListener("change", function (ev) {
  var input = ev.target;
  if (!input.dataset || !input.dataset.fills || !input.files || !input.files[0]) return;
  var target = document.getElementById(input.dataset.fills);
  var reader = new FileReader();
  reader.onload = function () { if (target) target.value = reader.result; };
  reader.readAsText(input.files[0], "utf-8");
});

// A date the office names (data-named-due) is kept as named; when it falls on a rest day the
// page says so and offers the next working day, without refusing the date.
document.addEventListener("change", function (ev) {
  var input = ev.target;
  if (!input.dataset || input.dataset.namedDue === undefined) return;
  var note = input.parentNode.querySelector(".rest-day-warning");
  if (note) note.remove();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.value)) return;
  fetch("/calendar/day?date=" + encodeURIComponent(input.value), { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (d) {
      if (!d || d.workday || !d.warning) return;
      var p = document.createElement("p");
      p.className = "hint rest-day-warning";
      p.setAttribute("role", "status");
      p.textContent = d.warning + " ";
      var b = document.createElement("button");
      b.type = "button";
      b.className = "link use-next-workday";
      b.textContent = "改为下一个工作日" + d.next_workday_zh;
      b.addEventListener("click", function () {
        input.value = d.next_workday;
        p.remove();
      });
      p.appendChild(b);
      input.parentNode.appendChild(p);
    });
});
