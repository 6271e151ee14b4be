using Evidence.Access;
using Evidence.Cases;
using Evidence.Ingest;
using Evidence.Metadata;
using Evidence.Requests;
using Evidence.Tagging;
using Evidence.Text;
using Evidence.Viewing;
using Evidence.Web.Localization;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Evidence.Web.Pages.Items;

/// <summary>One item: hashes, preview, tags, custody timeline. What it shows each role is decided by <see cref="GetEvidence"/>.</summary>
public sealed class DetailModel(IMediator mediator) : EvidencePage(mediator)
{
    /// <summary>How much of a text the page shows; the whole file is a download away (and recorded too).</summary>
    public const int MaxTextBytes = 64 * 1024;

    [BindProperty(SupportsGet = true)] public Guid Id { get; set; }
    [BindProperty] public Guid? TagIncident { get; set; }
    [BindProperty] public Guid? TagPerpetrator { get; set; }
    [BindProperty] public string? TagVictim { get; set; }
    [BindProperty] public List<string> TagElements { get; set; } = [];
    [BindProperty] public string? TagNote { get; set; }

    public EvidenceDetail? Item { get; private set; }
    public IReadOnlyList<IncidentSummary> Incidents { get; private set; } = [];

    /// <summary>The perpetrators, children and elements the tag form offers, so that no ID is typed.</summary>
    public TagChoices Choices { get; private set; } = new([], [], []);

    // Links and forms are offered to the roles whose requests would be accepted; the requests still decide.
    public bool MayViewContent => Actor.May<OpenEvidenceContent>();
    public bool MayTag => Actor.May<TagEvidence>();
    public bool MayAmend => Actor.May<AmendMetadata>();
    public bool MayPreview => Actor.May<OpenEvidencePreview>();

    /// <summary>How the item is shown in the page (nothing for auditors: <see cref="MayPreview"/>).</summary>
    public PreviewKind Preview { get; private set; }

    /// <summary>The beginning of a text item, read through <see cref="OpenEvidencePreview"/> (a <c>Viewed</c> event); the view escapes it.</summary>
    public string? Text { get; private set; }

    /// <summary>Whether <see cref="Text"/> is only the beginning of the file.</summary>
    public bool TextCut { get; private set; }

    /// <summary>Whether the last amendment was refused: the form then stays open with the error above it.</summary>
    public bool AmendFailed { get; private set; }

    /// <summary>After a refused amendment, each field as it was sent, and the reason typed; null otherwise.</summary>
    public IReadOnlyDictionary<string, string>? AmendValues { get; private set; }

    public string? AmendReason { get; private set; }

    // The words the core's refusals name each tag field with (TagEvidence, ElementsOfCrimes), to show each beside its field.
    public static readonly string[] IncidentProblems = ["a tag needs", "There is no incident"];
    public static readonly string[] PerpetratorProblems = ["There is no perpetrator"];
    public static readonly string[] VictimProblems = ["There is no victim"];
    public static readonly string[] ElementProblems = ["elements are tagged", "Element ", "Article ", "Unknown article", "'"];
    public static readonly string[] NoteProblems = ["the note"];

    /// <summary>
    /// The elements the tag form offers, per incident: those of the incident's own articles, so that the form can show
    /// only the chosen incident's (an article shared by two incidents is listed under each).
    /// </summary>
    public IEnumerable<(IncidentSummary Incident, IReadOnlyList<ElementChoice> Elements)> ElementsByIncident =>
        Incidents.Select(i => (i, (IReadOnlyList<ElementChoice>)Choices.Elements.Where(e => i.Articles.Contains(e.Article, StringComparer.Ordinal)).ToList()))
            .Where(group => group.Item2.Count > 0);

    public string IncidentTitle(Guid id) => Incidents.FirstOrDefault(i => i.Id == id)?.Title ?? id.ToString();

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostTagAsync(CancellationToken cancellationToken)
    {
        if (Unreadable(("TagIncident", IncidentProblems[1]), ("TagPerpetrator", PerpetratorProblems[0])))
        {
            return await LoadAsync(cancellationToken);
        }
        var elements = TagElements.Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e.Trim()).ToList();
        if (await TrySendAsync(new TagEvidence(Id, TagIncident, TagPerpetrator, Fields.Trimmed(TagVictim), elements,
                Fields.Trimmed(TagNote)), cancellationToken) != Guid.Empty)
        {
            Done = T["Tagged."];
        }
        return await LoadAsync(cancellationToken);
    }

    /// <summary>
    /// The form shows every field with its value in force; only the fields changed are stated anew, so an amendment names
    /// what it changed, and a field emptied is cleared.
    /// </summary>
    public async Task<IActionResult> OnPostAmendAsync(CancellationToken cancellationToken)
    {
        if (await TrySendAsync(new GetEvidence(Id), cancellationToken) is not { } current)
        {
            return NotFound();
        }
        var shown = StatedFields.Of(current);
        string? Changed(string field) => shown.TryGetValue(field, out var was) && (Fields.Trimmed(Request.Form[field]) ?? "") is var now && now != was ? now : null;
        var problems = new List<string>();
        var changes = MetadataSheet.Statement(Changed, problems);
        AmendReason = Request.Form["reason"].ToString();
        if (problems.Count > 0)
        {
            Refuse(problems);
        }
        else if (changes.IsEmpty)
        {
            Error = T["Nothing was changed, so nothing was recorded."];
        }
        else if (await TrySendAsync(new AmendMetadata(Id, changes, AmendReason), cancellationToken) is not null)
        {
            Done = T["The amendment was recorded."];
        }
        AmendFailed = Error is not null;
        // A refused amendment comes back as it was typed, not as the statement in force.
        AmendValues = AmendFailed ? shown.ToDictionary(f => f.Key, f => Request.Form.TryGetValue(f.Key, out var sent) ? sent.ToString() : f.Value, StringComparer.Ordinal) : null;
        if (!AmendFailed)
        {
            AmendReason = null;
        }
        return await LoadAsync(cancellationToken);
    }

    private async Task<IActionResult> LoadAsync(CancellationToken cancellationToken)
    {
        var error = Error;
        Item = await TrySendAsync(new GetEvidence(Id), cancellationToken);
        if (Item is null)
        {
            return NotFound();
        }
        if (Actor.May<ListIncidents>())
        {
            Incidents = await TrySendAsync(new ListIncidents(), cancellationToken) ?? [];
        }
        if (MayTag)
        {
            Choices = await TrySendAsync(new ListTagChoices(), cancellationToken) ?? Choices;
        }
        if (MayPreview)
        {
            Preview = Previews.Of(Item.MediaType).Kind;
            if (Preview == PreviewKind.Text)
            {
                await ReadTextAsync(cancellationToken);
            }
        }
        Error = error ?? Error;
        return Page();
    }

    /// <summary>
    /// The first <see cref="MaxTextBytes"/> of a text item, as UTF-8 (what cannot be decoded shows as �). Read through the
    /// preview request, so the page showing it is a <c>Viewed</c> event like any other preview.
    /// </summary>
    private async Task ReadTextAsync(CancellationToken cancellationToken)
    {
        if (await TrySendAsync(new OpenEvidencePreview(Id), cancellationToken) is not { } preview)
        {
            return;
        }
        await using (preview.Content)
        {
            var buffer = new byte[MaxTextBytes];
            // A preview that does not seek is checked whole against the recorded SHA-256 as it is read: read to its end, the
            // rest unshown, so that other bytes are refused, not shown (one that seeks is authenticated chunk by chunk as the item's).
            var read = await TryAsync(async () =>
            {
                var read = await preview.Content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
                if (!preview.Content.CanSeek)
                {
                    await preview.Content.CopyToAsync(Stream.Null, cancellationToken);
                }
                return (int?)read;
            });
            if (read is not { } length)
            {
                return;
            }
            TextCut = length == buffer.Length && preview.Size > length;
            // A character cut at the end of the window is dropped rather than shown as garbage.
            var text = System.Text.Encoding.UTF8.GetString(buffer, 0, length);
            Text = TextCut ? text.TrimEnd('\uFFFD') : text;
        }
    }
}
