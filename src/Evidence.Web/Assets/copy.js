// A "copy" button copies the text of the element its data-copy names (a checkpoint, a key) to the clipboard, so that
// an auditor pastes exactly what was signed instead of retyping it. Without this script the buttons stay hidden and the
// text can still be selected by hand; where the browser refuses the clipboard (a page not served over HTTPS), the text
// is selected for the reader and the button says so.
(function () {
    for (const button of document.querySelectorAll("button.copy[data-copy]")) {
        const source = document.getElementById(button.dataset.copy);
        if (!source) continue;
        const label = button.textContent;
        const say = (text) => {
            button.textContent = text;
            setTimeout(() => { button.textContent = label; }, 3000);
        };
        button.addEventListener("click", async () => {
            try {
                await navigator.clipboard.writeText(source.textContent);
                say(button.dataset.copied);
            } catch {
                const range = document.createRange();
                range.selectNodeContents(source);
                const selection = window.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                say(button.dataset.failed);
            }
        });
        button.hidden = false;
    }
})();
