using Evidence.Access;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Text;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Cases;

/// <summary>
/// The incidents the actor may see, newest first, with how much evidence each has and where it was referred; narrowed,
/// when asked, to a region (part of its name, any case), a kind, a period (incidents whose period overlaps it, at the
/// precision each date is known) and an article. The filters are the text the reader typed (a page's or the API's
/// query string), so that every malformed one is refused by name with the same words everywhere.
/// </summary>
[AllowedRoles(Role.Investigator, Role.Prosecutor)]
public sealed record ListIncidents(string? Region = null, string? Kind = null, string? From = null, string? To = null, string? Article = null)
    : IRequest<IReadOnlyList<IncidentSummary>>, IValidatedRequest
{
    public IEnumerable<string> Validate() => Problems().Select(p => p.Problem);

    /// <summary>Each malformed filter with the name of its query parameter (region, kind, from, to, article; "period" when from is after to), for a form to show beside its field.</summary>
    public IEnumerable<(string Field, string Problem)> Problems()
    {
        if (Fields.Optional("the region", Region, 200) is { } region)
        {
            yield return ("region", region);
        }
        if (Given(Kind) is { } kind && KindNamed(kind) is null)
        {
            yield return ("kind", $"the kind '{kind}' is not one of {string.Join(", ", Enum.GetNames<IncidentKind>())}.");
        }
        var from = Given(From);
        var to = Given(To);
        if (from is not null && !IsFilterDate(from))
        {
            yield return ("from", $"the period's start '{from}' must be a year (2022), a month (2022-10) or a date (2022-10-14).");
        }
        if (to is not null && !IsFilterDate(to))
        {
            yield return ("to", $"the period's end '{to}' must be a year (2022), a month (2022-10) or a date (2022-10-14).");
        }
        if (from is not null && to is not null && PartialDate.Days(from) is { } start && PartialDate.Days(to) is { } end && IsFilterDate(from) && IsFilterDate(to)
            && start.First > end.Last)
        {
            yield return ("period", $"the period ends ({to}) before it begins ({from}).");
        }
        if (Given(Article) is { } article && ElementsOfCrimes.Catalogue.Find(article) is null)
        {
            yield return ("article", $"'{article}' is not an article of the catalogue (known: {string.Join(", ", ElementsOfCrimes.Catalogue.Articles.Select(a => a.Key))}).");
        }
    }

    /// <summary>Whether an incident passes every filter given; only called once <see cref="Problems"/> found none.</summary>
    internal bool Admits(Incident incident)
    {
        if (Given(Region) is { } region && incident.Region?.Contains(region, StringComparison.OrdinalIgnoreCase) != true)
        {
            return false;
        }
        if (Given(Kind) is { } kind && incident.Kind != KindNamed(kind))
        {
            return false;
        }
        if (Given(Article) is { } article && !incident.Articles.Contains(ElementsOfCrimes.Catalogue.Get(article).Key, StringComparer.Ordinal))
        {
            return false;
        }
        if (Given(From) is null && Given(To) is null)
        {
            return true;
        }
        // An incident's period runs from the first day its start covers to the last day its end (or, without one, its
        // start) covers: "2022-10" overlaps a filter from 2022-10-31. One whose dates cannot be read is kept, not hidden.
        if (PartialDate.Days(incident.PeriodFrom) is not { } first || PartialDate.Days(incident.PeriodTo ?? incident.PeriodFrom) is not { } last)
        {
            return true;
        }
        var after = Given(From) is { } from ? PartialDate.Days(from)!.Value.First : DateOnly.MinValue;
        var before = Given(To) is { } to ? PartialDate.Days(to)!.Value.Last : DateOnly.MaxValue;
        return first.First <= before && last.Last >= after;
    }

    private static string? Given(string? value) => Fields.Trimmed(value);

    // Enum.TryParse would also accept "3" and "Camp,Adoption".
    private static IncidentKind? KindNamed(string name) =>
        Enum.GetValues<IncidentKind>().Select(k => (IncidentKind?)k).FirstOrDefault(k => k.ToString()!.Equals(name, StringComparison.OrdinalIgnoreCase));

    private static bool IsFilterDate(string value) => value.Length is 4 or 7 or 10 && PartialDate.Days(value) is not null;
}

public sealed record IncidentSummary(
    Guid Id,
    string Title,
    IncidentKind Kind,
    string PeriodFrom,
    string? PeriodTo,
    string Place,
    IReadOnlyList<string> Articles,
    int Evidence,
    IReadOnlyList<RecipientKind> ReferredTo,
    string? Region = null,
    Guid? CaseId = null);

internal sealed class ListIncidentsHandler(EvidenceDbContext db, CurrentActor actor) : IRequestHandler<ListIncidents, IReadOnlyList<IncidentSummary>>
{
    public async Task<IReadOnlyList<IncidentSummary>> Handle(ListIncidents request, CancellationToken cancellationToken)
    {
        // The filters run here rather than in SQL: the list is every incident the actor sees anyway, a region is matched
        // ignoring case in any script (SQLite's lower() folds only ASCII), and a period needs each date's precision.
        var incidents = (await Visibility.Incidents(db, actor.Value).AsNoTracking()
            .OrderByDescending(i => i.CreatedAtUtc).ToListAsync(cancellationToken)).Where(request.Admits).ToList();
        var ids = incidents.Select(i => i.Id).ToList();
        // Counted as the actor sees them: a strictly confidential item outside their case is not.
        var visible = Visibility.Evidence(db, actor.Value).Select(e => e.Id);
        var counts = await db.EvidenceTags.AsNoTracking()
            .Where(t => t.IncidentId != null && ids.Contains(t.IncidentId.Value) && t.RemovedAtUtc == null && visible.Contains(t.EvidenceId))
            .GroupBy(t => t.IncidentId!.Value)
            .Select(g => new { Incident = g.Key, Items = g.Select(t => t.EvidenceId).Distinct().Count() })
            .ToDictionaryAsync(g => g.Incident, g => g.Items, cancellationToken);
        // A prosecutor learns only of their own office's referrals.
        var referrals = (await db.IncidentReferrals.AsNoTracking().Where(r => ids.Contains(r.IncidentId)).ToListAsync(cancellationToken))
            .Where(r => actor.Value is not { Role: Role.Prosecutor, Office: { } office } || r.Office == office)
            .ToLookup(r => r.IncidentId);
        return incidents.Select(i => new IncidentSummary(i.Id, i.Title, i.Kind, i.PeriodFrom, i.PeriodTo, i.Place, i.Articles,
            counts.GetValueOrDefault(i.Id), referrals[i.Id].Select(r => r.Office).Order().ToList(), i.Region, i.CaseId)).ToList();
    }
}
