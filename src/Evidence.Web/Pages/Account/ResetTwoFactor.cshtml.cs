using Evidence.Accounts;
using Evidence.Requests;
using Evidence.Web.Localization;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Evidence.Web.Pages.Account;

/// <summary>
/// An admin resets another user's two-factor sign-in (a lost phone and lost recovery codes) through the core request
/// <see cref="ResetTwoFactor"/>, which only admins may send and which is a custody event.
/// </summary>
public sealed class ResetTwoFactorModel(IMediator mediator) : EvidencePage(mediator)
{
    [BindProperty] public string? Name { get; set; }

    public IReadOnlyList<AccountView> Accounts { get; private set; } = [];

    // The words the core's refusals name the user with, to show them beside the list of users.
    public const string NameProblemId = "reset-name-problem";
    public static readonly string[] NameProblems = ["There is no user", "the user name"];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Sent even for a role that may not: the refusal is then an AccessDenied custody event, as on the users page.
            Accounts = await Mediator.Send(new ListUsers(), cancellationToken);
        }
        catch (ForbiddenException)
        {
            return Forbid();
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Mediator.Send(new ResetTwoFactor(Name ?? ""), cancellationToken);
            Done = T["The two-factor sign-in of {0} is reset and their sessions have ended. An admin or prosecutor sets it up again at their next sign-in.", Name ?? ""];
        }
        catch (ForbiddenException)
        {
            return Forbid();
        }
        catch (EvidenceException e)
        {
            // Shown beside the list of users (a name no account has), translated where a translation exists.
            Refused(e);
        }
        return await OnGetAsync(cancellationToken);
    }
}
