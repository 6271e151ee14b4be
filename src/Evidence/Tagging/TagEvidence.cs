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

/// <summary>
/// Tags many items in one step, with one tag each (300 photos of one bus to one incident): one request, one transaction,
/// one <c>Tagged</c> event per item. All or nothing: an item the actor may not see, or a bad incident, element,
/// perpetrator or victim, refuses the whole request and records nothing.
/// </summary>
[AllowedRoles(Role.Investigator)]
public sealed record TagManyEvidence(
    IReadOnlyList<Guid> EvidenceIds,
    Guid? IncidentId = null,
    Guid? PerpetratorId = null,
    string? VictimCode = null,
    IReadOnlyList<string>? Elements = null,
    string? Note = null) : IRequest<IReadOnlyList<Guid>>, IValidatedRequest
{
    /// <summary>More than one screen of search results ever holds; a bigger set is several requests.</summary>
    public const int MaxItems = 10_000;

    public IEnumerable<string> Validate()
    {
        if (EvidenceIds is null || EvidenceIds.Count == 0)
        {
            yield return "name at least one evidence item to tag.";
        }
        else if (EvidenceIds.Count > MaxItems)
        {
            yield return $"at most {MaxItems:N0} items can be tagged in one request.";
        }
        foreach (var problem in new TagEvidence(Guid.Empty, IncidentId, PerpetratorId, VictimCode, Elements, Note).Validate())
        {
            yield return problem;
        }
    }
}

internal sealed class TagEvidenceHandler(EvidenceDbContext db, UnitOfWork unitOfWork, CurrentActor actor, TimeProvider clock)
    : IRequestHandler<TagEvidence, Guid>, IRequestHandler<TagManyEvidence, IReadOnlyList<Guid>>
{
    public async Task<Guid> Handle(TagEvidence request, CancellationToken cancellationToken) =>
        (await TagAsync([request.EvidenceId], request.IncidentId, request.PerpetratorId, request.VictimCode, request.Elements, request.Note, cancellationToken))[0];

    public Task<IReadOnlyList<Guid>> Handle(TagManyEvidence request, CancellationToken cancellationToken) =>
        TagAsync(request.EvidenceIds.Distinct().ToList(), request.IncidentId, request.PerpetratorId, request.VictimCode, request.Elements, request.Note, cancellationToken);

    private async Task<IReadOnlyList<Guid>> TagAsync(IReadOnlyList<Guid> evidenceIds, Guid? incidentId, Guid? perpetratorId, string? victimCode,
        IReadOnlyList<string>? requestedElements, string? note, CancellationToken cancellationToken)
    {
        var items = await Visibility.Evidence(db, actor.Value).AsNoTracking().Where(e => evidenceIds.Contains(e.Id))
            .Select(e => new { e.Id, e.Sha256 }).ToDictionaryAsync(e => e.Id, cancellationToken);
        // An item the actor may not see answers exactly as one that does not exist.
        if (evidenceIds.Where(id => !items.ContainsKey(id)).ToList() is { Count: > 0 } missing)
        {
            throw new NotFoundException(missing.Count == 1
                ? $"There is no evidence item {missing[0]}."
                : $"There are no evidence items {string.Join(", ", missing.Take(20))}{(missing.Count > 20 ? $" and {missing.Count - 20} more" : "")}; nothing was tagged.");
        }
        var elements = new List<string>();
        if (incidentId is { } incident)
        {
            var articles = await Visibility.Incidents(db, actor.Value).AsNoTracking().Where(i => i.Id == incident).Select(i => i.Articles).SingleOrDefaultAsync(cancellationToken)
                ?? throw new NotFoundException($"There is no incident {incident}.");
            foreach (var text in requestedElements ?? [])
            {
                var element = ElementsOfCrimes.Catalogue.ParseElement(text);
                if (!articles.Contains(element.Article))
                {
                    throw new InvalidRequestException($"Element {element} belongs to article {element.Article}, which incident {incident} is not qualified under ({string.Join(", ", articles)}).");
                }
                elements.Add(element.ToString());
            }
        }
        if (perpetratorId is { } perpetrator && !await db.Perpetrators.AnyAsync(p => p.Id == perpetrator, cancellationToken))
        {
            throw new NotFoundException($"There is no perpetrator {perpetrator}.");
        }
        if (victimCode is { } code && !await Visibility.Victims(db, actor.Value).AnyAsync(v => v.Code == code, cancellationToken))
        {
            throw new NotFoundException($"There is no victim {code}.");
        }
        var now = clock.GetUtcNow();
        var ids = new List<Guid>();
        foreach (var evidenceId in evidenceIds)
        {
            var item = items[evidenceId];
            var tag = new EvidenceTag
            {
                Id = Guid.CreateVersion7(now),
                EvidenceId = item.Id,
                IncidentId = incidentId,
                PerpetratorId = perpetratorId,
                VictimCode = victimCode,
                Elements = elements.Distinct().ToList(),
                Note = Fields.Trimmed(note),
                TaggedAtUtc = now.UtcDateTime,
                TaggedBy = actor.Value.Name,
            };
            db.EvidenceTags.Add(tag);
            // The note stays out of the custody log (it travels in referral packages); its hash pins it.
            unitOfWork.Record("Tagged", item.Id, item.Sha256, Projections.Tags.Details("Tagged", tag));
            ids.Add(tag.Id);
        }
        return ids;
    }
}
