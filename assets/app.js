// Progressive enhancement only: every page works without JavaScript.
// Ask before destructive actions (buttons styled .danger).
document.addEventListener("submit", function (ev) {
  var b = ev.submitter;
  if (b && b.classList.contains("danger") && !window.confirm("确定要" + b.textContent.trim() + "吗？")) {
    ev.preventDefault();
  }
});
