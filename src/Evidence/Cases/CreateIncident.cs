using System.Globalization;
using Evidence.Access;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Text;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Cases;

/// <summary>Records an incident and its legal qualification (Rome Statute articles from the elements-of-crimes catalogue).</summary>
[AllowedRoles(Role.Investigator)]
public sealed record CreateIncident(
    string Title,
    IncidentKind Kind,
    string PeriodFrom,
    string Place,
    IReadOnlyList<string> Articles,
    string? PeriodTo = null,
    string? Description = null,
    string? Region = null,
    string? Country = null,
    double? Latitude = null,
    double? Longitude = null,
    int? ChildrenAffected = null,
    Guid? CaseId = null) : IRequest<Guid>, IValidatedRequest
{
    public IEnumerable<string> Validate() => Problems().OfType<string>();

    // Null where a field is fine; the null checks of Fields read best as a list of yields.
    private IEnumerable<string?> Problems()
    {
        yield return Fields.Required("the title", Title, 500);
        yield return Fields.Optional("the description", Description, 20000, multiline: true);
        yield return Fields.Required("the place", Place, 500);
        yield return Fields.Optional("the region", Region, 200);
        yield return Fields.Optional("the country", Country, 200);
        if (!Enum.IsDefined(Kind))
        {
            yield return $"the kind must be one of {string.Join(", ", Enum.GetNames<IncidentKind>())}.";
        }
        if (Articles.Count == 0)
        {
            yield return $"at least one article is required (one of {string.Join(", ", ElementsOfCrimes.Catalogue.Articles.Select(a => a.Key))}).";
        }
        // JSON can carry a null inside the list even though the type says it cannot.
        foreach (var article in Articles.Where(a => a is null || ElementsOfCrimes.Catalogue.Find(a) is null))
        {
            yield return $"'{article}' is not an article of the catalogue (known: {string.Join(", ", ElementsOfCrimes.Catalogue.Articles.Select(a => a.Key))}).";
        }
        if (ChildrenAffected is < 0)
        {
            yield return "the number of children cannot be negative.";
        }
        if (Latitude is < -90 or > 90 || Longitude is < -180 or > 180 || Latitude.HasValue != Longitude.HasValue)
        {
            yield return "coordinates need both a latitude (-90 to 90) and a longitude (-180 to 180).";
        }
    }
}

internal sealed class CreateIncidentHandler(EvidenceDbContext db, UnitOfWork unitOfWork, CurrentActor actor, TimeProvider clock)
    : IRequestHandler<CreateIncident, Guid>
{
    public async Task<Guid> Handle(CreateIncident request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var from = Date("from", request.PeriodFrom, now);
        var to = request.PeriodTo is null ? null : Date("to", request.PeriodTo, now);
        if (to is not null && string.CompareOrdinal(Prefix(to, from.Length), Prefix(from, to.Length)) < 0)
        {
            throw new InvalidRequestException($"The period ends ({to}) before it begins ({from}).");
        }
        if (request.CaseId is { } caseId && !await Visibility.Cases(db, actor.Value).AnyAsync(c => c.Id == caseId, cancellationToken))
        {
            throw new NotFoundException($"There is no case {caseId}.");
        }
        var incident = new Incident
        {
            Id = Guid.CreateVersion7(now),
            CaseId = request.CaseId,
            Title = request.Title.Trim(),
            Description = Fields.Trimmed(request.Description),
            Kind = request.Kind,
            PeriodFrom = from,
            PeriodTo = to,
            Place = request.Place.Trim(),
            Region = Fields.Trimmed(request.Region),
            Country = Fields.Trimmed(request.Country),
            Latitude = request.Latitude,
            Longitude = request.Longitude,
            ChildrenAffected = request.ChildrenAffected,
            Articles = request.Articles.Select(a => ElementsOfCrimes.Catalogue.Get(a).Key).Distinct().ToList(),
            CreatedAtUtc = now.UtcDateTime,
            CreatedBy = actor.Value.Name,
        };
        db.Incidents.Add(incident);
        unitOfWork.Record("IncidentCreated", null, null, Projections.Incidents.Details("IncidentCreated", incident));
        return incident.Id;
    }

    private static string Date(string which, string value, DateTimeOffset now) =>
        PartialDate.Normalize($"The period's {which} date", value, now, out var problem) ?? throw new InvalidRequestException(problem!);

    // "2022-10" and "2022-10-14" compare on what both say.
    private static string Prefix(string value, int length) => value[..Math.Min(value.Length, length)];
}
