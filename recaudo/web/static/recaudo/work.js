/* Work screen: show the promise fields and the obligation choice only for the dispositions that need them.
   A static file (no inline script): the Content-Security-Policy allows scripts from this site only. */
(function () {
  var select = document.getElementById("id_disposition");
  if (!select) return;
  function sync() {
    var opt = select.options[select.selectedIndex] || {};
    var data = opt.dataset || {};
    document.getElementById("promise-fields").hidden = !data.promise;
    document.getElementById("obligation-field").hidden = !(data.promise || data.dispute);
  }
  select.addEventListener("change", sync);
  sync();
})();
