/* Rapporteur: copying an answer or a passage with its citation: the Clipboard API, or a hidden textarea
 * and execCommand where it is missing (plain http), with the outcome said in the status line.
 */

import { h } from "./text.js";
import { setStatus } from "./views/status.js";

function fallbackCopy(text) {
  var area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "clipboard-helper";
  document.body.appendChild(area);
  area.select();
  var ok = false;
  try {
    ok = document.execCommand("copy");
  } catch (e) {
    ok = false;
  }
  document.body.removeChild(area);
  return ok;
}

/** Copy `text`; `button`, when given, says "Copié !" for two seconds. */
export function copyToClipboard(text, button) {
  if (!text) return;
  var done = function (ok) {
    setStatus(ok ? "Copié dans le presse-papiers." : "La copie a échoué : sélectionnez le texte et copiez-le.");
    if (button && ok) {
      var label = button.textContent;
      button.textContent = "Copié !";
      button.classList.add("is-done");
      window.setTimeout(function () {
        button.textContent = label;
        button.classList.remove("is-done");
      }, 2000);
    }
  };
  var focused = document.activeElement;
  var restore = function () {
    if (focused && focused !== document.activeElement && document.contains(focused)) focused.focus();
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(
      function () {
        done(true);
      },
      function () {
        done(fallbackCopy(text));
        restore();
      }
    );
  } else {
    done(fallbackCopy(text));
    restore();
  }
}

/** A button copying `getText()`; `extraClass` tells its kind (copy-answer, copy-passage). */
export function makeCopyButton(label, getText, extraClass) {
  var button = h("button", { type: "button", class: "btn btn-secondary copy-button " + (extraClass || ""), text: label });
  button.addEventListener("click", function (e) {
    e.stopPropagation();
    copyToClipboard(getText(), button);
  });
  return button;
}
