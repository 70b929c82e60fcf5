// Optional: a "Listen" button on each contribution, read aloud by the browser's own speech
// synthesis in the text's language. Nothing leaves the phone. No button where the browser
// has no voice for that language, or no speech synthesis at all.
(() => {
  const speech = window.speechSynthesis;
  const script = document.currentScript;
  if (!speech || !script) return;
  const words = { listen: script.dataset.listen, stop: script.dataset.stop };

  const primary = (tag) => (tag || "").toLowerCase().split("-")[0];
  const voiceFor = (tag) =>
    speech.getVoices().find((voice) => primary(voice.lang) === primary(tag));

  function addButtons() {
    for (const article of document.querySelectorAll("article.arg")) {
      const text = article.querySelector(":scope > .arg-body");
      const actions = article.querySelector(":scope > .arg-actions");
      if (!text || !actions || actions.querySelector(".listen")) continue;
      const lang = text.closest("[lang]").lang;
      const voice = voiceFor(lang);
      if (!voice) continue;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "listen";
      button.textContent = words.listen;
      button.addEventListener("click", () => {
        const speaking = button.getAttribute("aria-pressed") === "true";
        speech.cancel();
        for (const other of document.querySelectorAll("button.listen")) {
          other.setAttribute("aria-pressed", "false");
          other.textContent = words.listen;
        }
        if (speaking) return;
        const utterance = new SpeechSynthesisUtterance(text.innerText);
        utterance.lang = lang;
        utterance.voice = voice;
        utterance.onend = () => {
          button.setAttribute("aria-pressed", "false");
          button.textContent = words.listen;
        };
        button.setAttribute("aria-pressed", "true");
        button.textContent = words.stop;
        speech.speak(utterance);
      });
      actions.append(button);
    }
  }

  // Voices often arrive after the page: add buttons once they are known.
  addButtons();
  speech.addEventListener("voiceschanged", addButtons);
})();
