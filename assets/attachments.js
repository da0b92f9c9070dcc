// 报销单附件：把文件拖到表单上即可选择，并在上传前列出每个文件的名称、大小和图片缩略图。
// 没有脚本时，表单照样可以用文件选择框一次选择多个文件上传。
// 导入电子发票：把 XML 文件拖到“导入电子发票”框上，即按该框的按钮导入。
(function () {
  "use strict";
  // The form page and the files' partial may both load this script: bind once.
  if (window.baoxiaoDropzones) {
    return;
  }
  window.baoxiaoDropzones = true;

  // Files dropped on `zone` become `input`'s, then `then()` runs.
  function dropInto(zone, input, then) {
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () {
        zone.classList.remove("dragging");
      });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length > 0) {
        input.files = event.dataTransfer.files;
        then();
      }
    });
  }

  var invoices = document.getElementById("import-invoices");
  var invoiceFiles = document.getElementById("invoice-files");
  var importButton = document.getElementById("import-submit");
  if (invoices && invoiceFiles && importButton) {
    dropInto(invoices, invoiceFiles, function () {
      importButton.click();
    });
  }

  var form = document.getElementById("attach-form");
  var input = document.getElementById("attach-files");
  var chosen = document.getElementById("attach-chosen");
  if (!form || !input || !chosen) {
    return;
  }

  function sizeText(bytes) {
    if (bytes < 1024) {
      return bytes + " 字节";
    }
    var unit = bytes < 1048576 ? 1024 : 1048576;
    var tenths = Math.floor((bytes * 10 + unit / 2) / unit);
    return Math.floor(tenths / 10) + "." + (tenths % 10) + (unit === 1024 ? " KB" : " MB");
  }

  function show() {
    while (chosen.firstChild) {
      chosen.removeChild(chosen.firstChild);
    }
    Array.prototype.forEach.call(input.files, function (file) {
      var item = document.createElement("li");
      item.className = "attachment";
      if (file.type === "image/png" || file.type === "image/jpeg") {
        var thumb = document.createElement("img");
        thumb.className = "thumb";
        thumb.alt = file.name + " 的缩略图";
        thumb.width = 72;
        thumb.height = 72;
        thumb.src = URL.createObjectURL(file);
        item.appendChild(thumb);
      }
      var name = document.createElement("span");
      name.className = "file-name";
      name.textContent = file.name;
      var size = document.createElement("span");
      size.className = "muted file-size";
      size.textContent = sizeText(file.size);
      item.appendChild(name);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(size);
      chosen.appendChild(item);
    });
  }

  input.addEventListener("change", show);
  dropInto(form, input, show);
})();
