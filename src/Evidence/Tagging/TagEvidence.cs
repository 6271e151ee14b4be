using Evidence.Access;
using Evidence.Cases;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Text;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tagging;

/// <summary>
/// Links an evidence item to an incident, a perpetrator and/or a victim, and to the elements of crimes it
/// supports ("8(2)(a)(vii)-1:1"). Elements must belong to the articles the incident is qualified under, so
/// an element can only be tagged together with its incident.
/// </summary>
[AllowedRoles(Role.Investigator)]
public sealed record TagEvidence(
    Guid EvidenceId,
    Guid? IncidentId = null,
    Guid? PerpetratorId = null,
    string? VictimCode = null,
    IReadOnlyList<string>? Elements = null,
    string? Note = null) : IRequest<Guid>, IValidatedRequest
{
    public IEnumerable<string> Validate()
    {
        if (IncidentId is null && PerpetratorId is null && VictimCode is null)
        {
            yield return "a tag needs an incident, a perpetrator or a victim.";
        }
        if (Elements is { Count: > 0 } && IncidentId is null)
        {
            yield return "elements are tagged against an incident's legal qualification: give the incident too.";
        }
        if (Fields.Optional("the note", Note, 4000, multiline: true) is { } problem)
        {
            yield return problem;
        }
    }
}

internal sealed class TagEvidenceHandler(EvidenceDbContext db, UnitOfWork unitOfWork, CurrentActor actor, TimeProvider clock)
    : IRequestHandler<TagEvidence, Guid>
{
    public async Task<Guid> Handle(TagEvidence request, CancellationToken cancellationToken)
    {
        var item = await Visibility.Evidence(db, actor.Value).AsNoTracking().Where(e => e.Id == request.EvidenceId).Select(e => new { e.Id, e.Sha256 }).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException($"There is no evidence item {request.EvidenceId}.");
        var elements = new List<string>();
        if (request.IncidentId is { } incidentId)
        {
            var articles = await Visibility.Incidents(db, actor.Value).AsNoTracking().Where(i => i.Id == incidentId).Select(i => i.Articles).SingleOrDefaultAsync(cancellationToken)
                ?? throw new NotFoundException($"There is no incident {incidentId}.");
            foreach (var text in request.Elements ?? [])
            {
                var element = ElementsOfCrimes.Catalogue.ParseElement(text);
                if (!articles.Contains(element.Article))
                {
                    throw new InvalidRequestException($"Element {element} belongs to article {element.Article}, which incident {incidentId} is not qualified under ({string.Join(", ", articles)}).");
                }
                elements.Add(element.ToString());
            }
        }
        if (request.PerpetratorId is { } perpetratorId && !await db.Perpetrators.AnyAsync(p => p.Id == perpetratorId, cancellationToken))
        {
            throw new NotFoundException($"There is no perpetrator {perpetratorId}.");
        }
        if (request.VictimCode is { } code && !await Visibility.Victims(db, actor.Value).AnyAsync(v => v.Code == code, cancellationToken))
        {
            throw new NotFoundException($"There is no victim {code}.");
        }
        var now = clock.GetUtcNow();
        var tag = new EvidenceTag
        {
            Id = Guid.CreateVersion7(now),
            EvidenceId = item.Id,
            IncidentId = request.IncidentId,
            PerpetratorId = request.PerpetratorId,
            VictimCode = request.VictimCode,
            Elements = elements.Distinct().ToList(),
            Note = Fields.Trimmed(request.Note),
            TaggedAtUtc = now.UtcDateTime,
            TaggedBy = actor.Value.Name,
        };
        db.EvidenceTags.Add(tag);
        // The note stays out of the custody log (it travels in referral packages); its hash pins it.
        unitOfWork.Record("Tagged", item.Id, item.Sha256, Projections.Tags.Details("Tagged", tag));
        return tag.Id;
    }
}
