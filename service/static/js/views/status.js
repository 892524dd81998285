/* Rapporteur: the page's status line (polite live region) and its error box in French, with a retry
 * button that counts down the service's Retry-After.
 */

import { els } from "../page.js";
import { clear, h, plural } from "../text.js";

export function setStatus(text, loading) {
  els.status.textContent = text || "";
  els.status.classList.toggle("is-loading", !!loading);
}

let retryTimer = null;

export function clearError() {
  if (retryTimer) window.clearInterval(retryTimer);
  retryTimer = null;
  clear(els.error);
}

/** {title, text, wait?} in French for an ApiError; `what` is "search" or "document". */
function errorMessage(err, what) {
  if (err.kind === "network") {
    return {
      title: "Le service Rapporteur est injoignable.",
      text: "Vérifiez votre connexion à Internet, puis réessayez. Si le problème continue, le service est peut-être en maintenance.",
    };
  }
  if (err.kind === "timeout") {
    return {
      title: "Le service met trop de temps à répondre.",
      text: "Réessayez dans un instant, éventuellement avec une question plus courte.",
    };
  }
  if (err.kind === "invalid") {
    return { title: "Le service a renvoyé une réponse illisible.", text: "Réessayez dans un instant." };
  }
  var s = err.status;
  if (s === 429) {
    var wait = err.retryAfter;
    return {
      title: "Trop de demandes en peu de temps.",
      text:
        wait !== null && wait !== undefined
          ? "Merci de patienter " + plural(Math.max(1, wait), "seconde", "secondes") + " avant de réessayer."
          : "Merci de patienter quelques instants avant de réessayer.",
      wait: wait,
    };
  }
  if (s === 404) {
    return {
      title: what === "document" ? "Ce document est introuvable." : "Ressource introuvable.",
      text:
        what === "document"
          ? "Il a peut-être été retiré de l'index depuis que le lien a été créé. Relancez la recherche."
          : "Le service ne propose pas cette adresse.",
    };
  }
  if (s === 413) return { title: "La demande est trop longue.", text: "Raccourcissez votre question (500 caractères au plus)." };
  if (s === 400 || s === 422) {
    return {
      title: "La demande n'a pas pu être traitée.",
      text:
        what === "document"
          ? "Le lien vers ce document n'est pas valide."
          : "Vérifiez votre saisie : une question ou quelques mots, 500 caractères au plus.",
    };
  }
  if (s === 503) {
    return {
      title: "Le service démarre ou est momentanément indisponible.",
      text: "Réessayez dans quelques secondes.",
      wait: err.retryAfter,
    };
  }
  if (s >= 500) {
    return { title: "Le service a rencontré une erreur (code " + s + ").", text: "Réessayez dans un instant." };
  }
  return { title: "La demande a été refusée (code " + s + ").", text: "Réessayez ou modifiez votre recherche." };
}

/** Show the error box for `err`; `retry`, when given, runs again from its button. */
export function showError(err, what, retry) {
  clearError();
  var msg = errorMessage(err, what);
  var box = h("div", { class: "error-box" + (err.status === 429 ? " is-rate-limited" : "") }, [
    h("p", { class: "error-title", text: msg.title }),
    h("p", { class: "error-text", text: msg.text }),
  ]);
  if (err.detail && err.kind === "http" && err.status < 500 && err.status !== 429) {
    box.appendChild(h("p", { class: "error-detail", text: "Détail : " + err.detail }));
  }
  if (retry) {
    var button = h("button", { type: "button", class: "btn btn-secondary error-retry", text: "Réessayer" });
    button.addEventListener("click", function () {
      clearError();
      retry();
    });
    var wait = msg.wait;
    if (wait && wait > 0) {
      var left = wait;
      button.disabled = true;
      button.textContent = "Réessayer (" + left + " s)";
      retryTimer = window.setInterval(function () {
        left -= 1;
        if (left <= 0) {
          window.clearInterval(retryTimer);
          retryTimer = null;
          button.disabled = false;
          button.textContent = "Réessayer";
        } else {
          button.textContent = "Réessayer (" + left + " s)";
        }
      }, 1000);
    }
    box.appendChild(button);
  }
  els.error.appendChild(box);
}
