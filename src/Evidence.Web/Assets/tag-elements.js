// The tag form's elements follow the chosen incident: of the groups of checkboxes (one per incident, data-incident), only
// the chosen incident's is shown, and the others are disabled so that a tick left in one is not sent. With no incident
// chosen, a note asks for one. Without this script every group shows under its incident's title, and the server refuses
// an element of another incident's articles.
(function () {
    const select = document.getElementById("tag-incident");
    const fieldset = document.getElementById("tag-elements");
    if (!select || !fieldset) return;
    const groups = [...fieldset.querySelectorAll("[data-incident]")];
    const choose = document.getElementById("tag-elements-choose");
    const follow = () => {
        for (const group of groups) {
            const chosen = group.dataset.incident === select.value;
            group.hidden = !chosen;
            for (const box of group.querySelectorAll("input")) box.disabled = !chosen;
        }
        if (choose) choose.hidden = select.value !== "" || groups.length === 0;
    };
    select.addEventListener("change", follow);
    follow();
})();
