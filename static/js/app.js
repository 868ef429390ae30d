// Live character counters for answers with a limit (progressive enhancement; no inline script).
document.querySelectorAll("[data-counter]").forEach(function (field) {
  var limit = parseInt(field.getAttribute("data-counter"), 10);
  var counter = document.getElementById(field.id + "-counter");
  if (!counter) return;
  function update() {
    var used = field.value.length;
    counter.textContent = used + " / " + limit;
    counter.classList.toggle("near", used > limit * 0.9 && used <= limit);
    counter.classList.toggle("over", used > limit);
  }
  field.addEventListener("input", update);
  update();
});
