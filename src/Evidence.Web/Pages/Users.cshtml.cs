using Evidence.Accounts;
using Evidence.Domain;
using Evidence.Requests;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Evidence.Web.Pages;

/// <summary>Accounts for admins: every change is a core request (Accounts/), so it is authorized and recorded like any other.</summary>
public sealed class UsersModel(IMediator mediator, EvidenceSettings settings) : EvidencePage(mediator)
{
    /// <summary>An office's full name, for the office lists.</summary>
    public string OfficeName(Evidence.Domain.RecipientKind office) => T[Referrals.RecipientNames.Of(office, settings)];

    [BindProperty] public string? Name { get; set; }
    // Required: left out, it would bind the first role (investigator, who opens content) as if chosen; refused as unreadable instead.
    [BindProperty, BindRequired] public Role Role { get; set; }
    [BindProperty] public RecipientKind? Office { get; set; }

    public IReadOnlyList<AccountView> Accounts { get; private set; } = [];
    public NewAccount? Created { get; private set; }

    /// <summary>Which form was sent ("add", "role", "remove"): a refused one comes back as it was sent, its reasons beside its fields.</summary>
    public string? Posted { get; private set; }

    /// <summary>Whether the form <paramref name="form"/> was sent and refused: it then shows what was sent.</summary>
    public bool SentAndRefused(string form) => Posted == form && Error is not null;

    // The words the core's refusals (UserAccounts.Problems, ChangeUserRole) name each field with.
    public static readonly string[] NameProblems = ["the user name", "There is no user", "This is the last admin"];
    public static readonly string[] RoleProblems = ["the role"];
    public static readonly string[] OfficeProblems = ["the office", "a prosecutor belongs", "only prosecutors"];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Sent even for a role that may not: the refusal is then an AccessDenied custody event, as on the API.
            Accounts = await Mediator.Send(new ListUsers(), cancellationToken);
        }
        catch (ForbiddenException)
        {
            return Forbid();
        }
        catch (EvidenceException e)
        {
            Error ??= T[e.Message];
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        Posted = "add";
        Created = Unreadable(("Role", RoleProblems[0]), ("Office", OfficeProblems[0])) ? null : await TrySendAsync(new AddUser(Name ?? "", Role, Office), cancellationToken);
        return await OnGetAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostRoleAsync(CancellationToken cancellationToken)
    {
        Posted = "role";
        if (!Unreadable(("Role", RoleProblems[0]), ("Office", OfficeProblems[0])))
        {
            await TrySendAsync(new ChangeUserRole(Name ?? "", Role, Office), cancellationToken);
        }
        if (Error is null)
        {
            Done = Office is { } office
                ? T["{0} is now {1}, {2}.", Name ?? "", T[Role.ToString()], OfficeName(office)]
                : T["{0} is now {1}.", Name ?? "", T[Role.ToString()]];
        }
        return await OnGetAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostRemoveAsync(CancellationToken cancellationToken)
    {
        Posted = "remove";
        await TrySendAsync(new RemoveUser(Name ?? ""), cancellationToken);
        if (Error is null)
        {
            Done = T["Removed {0}.", Name ?? ""];
        }
        return await OnGetAsync(cancellationToken);
    }
}
