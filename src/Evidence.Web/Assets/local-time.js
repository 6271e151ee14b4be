// Each <time class="utc"> keeps the UTC moment the record states; beside it, the same moment in the reader's own
// language (the page's lang) and time zone, which only the browser knows.
(function () {
    const format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: "long", timeStyle: "short" });
    for (const time of document.querySelectorAll("time.utc[datetime]")) {
        const moment = new Date(time.getAttribute("datetime"));
        if (isNaN(moment)) continue;
        const local = document.createElement("span");
        local.className = "local-time";
        local.textContent = format.format(moment) + " · ";
        time.before(local);
    }
})();
