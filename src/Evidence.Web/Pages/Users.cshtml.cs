using Evidence.Domain;
using Evidence.Requests;
using Evidence.Web.Accounts;
using MediatR;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Evidence.Web.Pages;

[Authorize(Policy = "Admin")]
public sealed class UsersModel(IMediator mediator, UserAccounts accounts) : EvidencePage(mediator)
{
    [BindProperty] public string? Name { get; set; }
    [BindProperty] public Role Role { get; set; }
    [BindProperty] public RecipientKind? Office { get; set; }

    public IReadOnlyList<AccountView> Accounts { get; private set; } = [];
    public NewAccount? Created { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => Accounts = await accounts.ListAsync(cancellationToken);

    public async Task OnPostAsync(CancellationToken cancellationToken)
    {
        try
        {
            Created = await accounts.AddAsync(Name ?? "", Role, Office, cancellationToken);
        }
        catch (EvidenceException e)
        {
            Error = e.Message;
        }
        await OnGetAsync(cancellationToken);
    }
}
