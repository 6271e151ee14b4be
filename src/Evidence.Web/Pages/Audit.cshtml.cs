using Evidence.Custody;
using MediatR;

namespace Evidence.Web.Pages;

/// <summary>The auditor's dashboard: run verification, see findings, the latest checkpoint and the verifier key.</summary>
public sealed class AuditModel(IMediator mediator) : EvidencePage(mediator)
{
    public VerificationReport? Report { get; private set; }
    public CheckpointView? Checkpoint { get; private set; }
    public string? VerifierKey { get; private set; }

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task OnPostAsync(CancellationToken cancellationToken)
    {
        Report = await TrySendAsync(new VerifyCustody(), cancellationToken);
        await LoadAsync(cancellationToken);
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var error = Error;
        Checkpoint = await TrySendAsync(new GetLatestCheckpoint(), cancellationToken);
        VerifierKey = await TrySendAsync(new GetVerifierKey(), cancellationToken);
        // An empty ledger has no checkpoint yet: not an error worth showing.
        Error = error;
    }
}
