// Progressive enhancement only: every page works without JavaScript.
// Ask before destructive actions (buttons styled .danger).
document.addEventListener("submit", function (ev) {
  var b = ev.submitter;
  if (b && b.classList.contains("danger") && !window.confirm("确定要" + b.textContent.trim() + "吗？")) {
    ev.preventDefault();
  }
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
