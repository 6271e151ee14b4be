using Evidence.Requests;
using MediatR;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Evidence.Web.Pages;

/// <summary>
/// A page that sends requests: a refused request becomes a message on the page (what the API would send as
/// ProblemDetails), never a half-done action.
/// </summary>
public abstract class EvidencePage(IMediator mediator) : PageModel
{
    public string? Error { get; protected set; }
    public string? Done { get; protected set; }

    protected IMediator Mediator => mediator;

    protected Actor Actor => Accounts.EvidenceClaims.ToActor(User);

    protected async Task<T?> TrySendAsync<T>(IRequest<T> request, CancellationToken cancellationToken)
    {
        try
        {
            return await mediator.Send(request, cancellationToken);
        }
        catch (EvidenceException e)
        {
            Error = e.Message;
            return default;
        }
    }
}
