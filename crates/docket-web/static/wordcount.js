// Live word count for the piece's text box. The server's count (shown when the page loads) is
// the one that decides; this follows the same rules closely enough to guide an author as they type:
// every piece between white space is a word, em and en dashes separate words, and each Chinese or
// Japanese character is a word. Markdown markers standing alone are not counted, but
// list bullets and numbers are, as LibreOffice counts list labels.
(function () {
  "use strict";
  var cjk = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
  function count(text) {
    var words = 0;
    var pieces = text.replace(/[\u2013\u2014]/g, " ").split(/\s+/);
    for (var i = 0; i < pieces.length; i++) {
      var piece = pieces[i];
      // Markdown markers alone are not words; list bullets and numbers are (LibreOffice counts them).
      if (!piece || /^(#{1,6}|>|[*_]{2,3}|`{3,})$/.test(piece)) continue;
      if (piece === "*" || piece === "+") { words++; continue; }
      var other = false;
      for (var j = 0; j < piece.length; j++) {
        if (cjk.test(piece[j])) { words++; } else { other = true; }
      }
      if (other && piece.replace(/[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/g, "").replace(/[*_`~]/g, "") !== "") words++;
    }
    return words;
  }
  document.querySelectorAll("textarea[data-word-count]").forEach(function (box) {
    var output = document.getElementById(box.getAttribute("data-word-count"));
    if (!output) return;
    var update = function () { output.textContent = count(box.value) + " words"; };
    box.addEventListener("input", update);
    update();
  });
})();
