// The import page: send the chosen file as the request's raw body (no multipart), show the problems or go to
// the job's page; on a job's page, poll its status every second and move the progress bar.
"use strict";
(function () {
  var form = document.getElementById("upload");
  if (form) {
    form.hidden = false;
    var state = document.getElementById("upload-state");
    var box = document.getElementById("problems");
    var list = document.getElementById("problem-list");
    var show = function (problems) {
      list.textContent = "";
      problems.forEach(function (p) {
        var li = document.createElement("li");
        li.textContent = p;
        list.appendChild(li);
      });
      box.hidden = problems.length === 0;
      if (problems.length) { box.setAttribute("tabindex", "-1"); box.focus(); }
    };
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = document.getElementById("import-file").files[0];
      if (!file) { state.textContent = form.dataset.choose; return; }
      state.textContent = form.dataset.uploading;
      fetch("/app/import", {
        method: "POST", body: file, credentials: "same-origin",
        headers: {"X-CSRF-Token": form.dataset.csrf, "X-File-Name": encodeURIComponent(file.name),
                  "Content-Type": file.type || "application/octet-stream", "Accept": "application/json"}
      }).then(function (r) {
        return r.json().then(function (body) { return {ok: r.ok, body: body}; });
      }).then(function (answer) {
        state.textContent = "";
        if (answer.ok && answer.body.location) { window.location.assign(answer.body.location); return; }
        show(answer.body.problems || [String(answer.body.detail || "")]);
      }).catch(function () { state.textContent = form.dataset.network; });
    });
  }

  var job = document.getElementById("job");
  if (job && job.dataset.status === "running") {
    var bar = document.getElementById("job-progress");
    var poll = function () {
      fetch("/app/import/" + encodeURIComponent(job.dataset.job) + "/status", {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) { return; }
          bar.max = s.total;
          bar.value = s.done + s.failed;
          bar.textContent = (s.done + s.failed) + " / " + s.total;
          ["done", "already", "failed", "total"].forEach(function (k) {
            document.getElementById("job-" + k).textContent = s[k];
          });
          document.getElementById("job-status").textContent = s.label;
          document.getElementById("job-counts").textContent = s.counts;
          if (s.status !== "running") { window.location.reload(); return; }
          window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 1000); });
    };
    window.setTimeout(poll, 1000);
  }
}());
