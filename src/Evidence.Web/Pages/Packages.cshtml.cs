using Evidence.Referrals;
using MediatR;

namespace Evidence.Web.Pages;

public sealed class PackagesModel(IMediator mediator) : EvidencePage(mediator)
{
    public IReadOnlyList<PackageSummary> Packages { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Packages = await TrySendAsync(new ListReferralPackages(), cancellationToken) ?? [];
}
