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

    /// <summary>What a refused request said was wrong, as the core wrote it (English), to find the field each concerns.</summary>
    private IReadOnlyList<string> problems = [];

    protected IMediator Mediator => mediator;

    protected Actor Actor => Accounts.EvidenceClaims.ToActor(User);

    /// <summary>The app's shared texts (Resources/Localization/Texts.uk.resx).</summary>
    protected IStringLocalizer<Texts> T => HttpContext.RequestServices.GetRequiredService<IStringLocalizer<Texts>>();

    protected async Task<TResponse?> TrySendAsync<TResponse>(IRequest<TResponse> request, CancellationToken cancellationToken)
    {
        try
        {
            return await mediator.Send(request, cancellationToken);
        }
        catch (InvalidRequestException e) when (e.Problems.Count > 0)
        {
            // The core writes its reasons in English; each one that has a translation is shown in the reader's language.
            problems = e.Problems;
            Error = T["Not done, nothing was recorded:"] + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + T[p]));
            return default;
        }
        catch (EvidenceException e)
        {
            Error = T[e.Message];
            return default;
        }
    }

    /// <summary>
    /// The problems that concern one field, in the reader's language, found by the words the core's validation names the
    /// field with ("the from date must be ..."), so that the form can show each beside its field.
    /// </summary>
    public IEnumerable<string> ProblemsOf(string coreFieldName) =>
        problems.Where(p => p.StartsWith(coreFieldName, StringComparison.Ordinal)).Select(p => T[p].Value);
}
