using Evidence.Requests;
using Evidence.Web.Localization;
using MediatR;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace Evidence.Web.Pages;

/// <summary>
/// A page that sends requests: a refused request becomes a message on the page (what the API would send as
/// ProblemDetails), in the reader's language where a translation exists, never a half-done action.
/// </summary>
public abstract class EvidencePage(IMediator mediator) : PageModel
{
    public string? Error { get; protected set; }
    public string? Done { get; protected set; }

    /// <summary>
    /// What a refusal said was wrong: as the core wrote it (English), to find the field each concerns by the words it
    /// names it with, and as the reader is shown it (translated where a translation exists).
    /// </summary>
    private IReadOnlyList<(string Core, LocalizedString Shown)> problems = [];

    /// <summary>The texts of the refusals a page makes itself (Resources/Pages/EvidencePage.uk.resx).</summary>
    private IStringLocalizer<EvidencePage> Own => HttpContext.RequestServices.GetRequiredService<IStringLocalizer<EvidencePage>>();

    protected IMediator Mediator => mediator;

    protected Actor Actor => Accounts.EvidenceClaims.ToActor(User);

    /// <summary>The app's shared texts (Resources/Localization/Texts.uk.resx).</summary>
    protected IStringLocalizer<Texts> T => HttpContext.RequestServices.GetRequiredService<IStringLocalizer<Texts>>();

    protected Task<TResponse?> TrySendAsync<TResponse>(IRequest<TResponse> request, CancellationToken cancellationToken) =>
        TryAsync(() => mediator.Send(request, cancellationToken));

    /// <summary>Does what may be refused (a request, or the API's own steps around one); a refusal becomes the page's message.</summary>
    protected async Task<TResult?> TryAsync<TResult>(Func<Task<TResult>> action)
    {
        try
        {
            return await action();
        }
        catch (EvidenceException e)
        {
            Refused(e);
            return default;
        }
    }

    /// <summary>
    /// A refusal as the page shows it: at the top, and, where it names a field (a problem of the request's validation, or
    /// the one reason of a bad value or of something chosen that does not exist), beside that field too.
    /// </summary>
    protected void Refused(EvidenceException refusal)
    {
        switch (refusal)
        {
            case InvalidRequestException { Problems.Count: > 0 } invalid:
                Refuse(invalid.Problems);
                break;
            case InvalidRequestException or NotFoundException:
                problems = [(refusal.Message, T[refusal.Message])];
                Error = T[refusal.Message];
                break;
            default:
                Error = T[refusal.Message];
                break;
        }
    }

    /// <summary>
    /// A form refused, by a request's validation or before any request was sent (a value the page could not read): the
    /// core's reasons in a list at the top (the core writes them in English; each one translated is shown in the reader's
    /// language), and each beside its field.
    /// </summary>
    protected void Refuse(IReadOnlyList<string> found) => Refuse(found.Select(p => (p, T[p])).ToList());

    private void Refuse(IReadOnlyList<(string Core, LocalizedString Shown)> found)
    {
        problems = found;
        Error = T["Not done, nothing was recorded:"] + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p.Shown));
    }

    /// <summary>
    /// Whether a posted choice (an office, a kind, an incident's ID) could not be read: model binding would otherwise send
    /// the type's default (the first office, the first kind, no incident) as if it had been chosen. A choice left out of the
    /// form altogether is unreadable too where its property is [BindRequired] (an office, a kind, a role). Such a form is refused
    /// before any request, by the field's core name (so the reason shows beside it), and nothing is recorded.
    /// </summary>
    protected bool Unreadable(params (string Property, string CoreName)[] fields)
    {
        var found = fields.Where(f => ModelState.TryGetValue(f.Property, out var entry) && entry.Errors.Count > 0)
            .Select(f => (f.CoreName + ": not one of the choices offered.", Own["Not one of the choices offered: choose from the list."])).ToList();
        if (found.Count > 0)
        {
            Refuse(found);
        }
        return found.Count > 0;
    }

    /// <summary>
    /// The problems that concern one field, in the reader's language, found by the words the core's validation names the
    /// field with ("the from date must be ..."), so that the form can show each beside its field.
    /// </summary>
    public IEnumerable<string> ProblemsOf(string coreFieldName) =>
        problems.Where(p => p.Core.StartsWith(coreFieldName, StringComparison.Ordinal)).Select(p => p.Shown.Value);

    /// <summary>
    /// What a refusal said about one field, for the shared partial _FieldProblems to show beside it under the id
    /// <paramref name="id"/> (the field's aria-describedby): every problem that starts with one of the words the core
    /// names that field with. A problem with no translation yet keeps the core's English and says so (lang="en").
    /// </summary>
    public FieldProblems ProblemsBeside(string id, params string[] coreFieldNames) =>
        new(id, problems.Where(p => coreFieldNames.Any(name => p.Core.StartsWith(name, StringComparison.Ordinal)))
            .Select(p => new FieldProblem(p.Shown.Value, p.Shown.ResourceNotFound)).ToList());

    /// <summary>Whether a refusal named this field: its input is then marked aria-invalid.</summary>
    public bool IsInvalid(params string[] coreFieldNames) =>
        problems.Any(p => coreFieldNames.Any(name => p.Core.StartsWith(name, StringComparison.Ordinal)));
}

/// <summary>The problems a refusal named for one field, shown beside it (Pages/Shared/_FieldProblems.cshtml).</summary>
public sealed record FieldProblems(string Id, IReadOnlyList<FieldProblem> Problems);

/// <summary>One problem as the reader sees it; <paramref name="InEnglish"/> when no translation exists and the core's words are shown.</summary>
public sealed record FieldProblem(string Text, bool InEnglish);
