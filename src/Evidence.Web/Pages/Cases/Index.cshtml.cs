using Evidence.Cases;
using MediatR;

namespace Evidence.Web.Pages.Cases;

/// <summary>The cases the reader sees (ListCases), each linked to its page.</summary>
public sealed class IndexModel(IMediator mediator) : EvidencePage(mediator)
{
    public IReadOnlyList<CaseSummary> Cases { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Cases = await TrySendAsync(new ListCases(), cancellationToken) ?? [];
}
