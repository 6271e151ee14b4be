using System.Globalization;
using System.Text.Json;
using Evidence.Access;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Text;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Cases;

/// <summary>What identifies a child. Sealed at rest; opened only by <see cref="RevealVictimIdentity"/>.</summary>
public sealed record VictimIdentity(string Name, string? BornOn = null, string? Documents = null, string? FamilyContacts = null);

/// <summary>
/// Records a child victim under the next pseudonym code (V-0001, V-0002, ...). Everything else in Evidence
/// (tags, search, packages, custody events) names the child by that code only.
/// </summary>
[AllowedRoles(Role.Investigator)]
public sealed record AddVictim(
    int? AgeAtIncident = null,
    string? Sex = null,
    string? Origin = null,
    VictimStatus Status = VictimStatus.Deported,
    VictimIdentity? Identity = null,
    Guid? CaseId = null) : IRequest<string>, IValidatedRequest
{
    public IEnumerable<string> Validate()
    {
        IEnumerable<string?> problems =
        [
            AgeAtIncident is < 0 or > 17 ? "the age at the incident must be 0 to 17: victims recorded here are children." : null,
            Fields.Optional("the sex", Sex, 20),
            Fields.Optional("the place of origin", Origin, 300),
            Enum.IsDefined(Status) ? null : $"the status must be one of {string.Join(", ", Enum.GetNames<VictimStatus>())}.",
            Identity is null ? null : Fields.Required("the name", Identity.Name, 300),
            Fields.Optional("the documents", Identity?.Documents, 4000, multiline: true),
            Fields.Optional("the family contacts", Identity?.FamilyContacts, 4000, multiline: true),
        ];
        return problems.OfType<string>();
    }
}

/// <summary>The answer of `victim add --json` and <c>POST /api/victims</c>: the pseudonym, never the identity.</summary>
public sealed record VictimAdded(string Code);

internal sealed class AddVictimHandler(EvidenceDbContext db, UnitOfWork unitOfWork, CurrentActor actor, TimeProvider clock, ProtectedFields protectedFields)
    : IRequestHandler<AddVictim, string>
{
    public async Task<string> Handle(AddVictim request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var identity = request.Identity;
        if (identity?.BornOn is { } born)
        {
            identity = identity with { BornOn = PartialDate.Normalize("The date of birth", born, now, out var problem) ?? throw new InvalidRequestException(problem!) };
        }
        if (request.CaseId is { } caseId && !await Visibility.Cases(db, actor.Value).AnyAsync(c => c.Id == caseId, cancellationToken))
        {
            throw new NotFoundException($"There is no case {caseId}.");
        }
        // Codes are numbered in order; two investigators adding at once collide on the key and one is told to retry.
        var codes = await db.Victims.Select(v => v.Code).ToListAsync(cancellationToken);
        var next = codes.Select(c => int.Parse(c.AsSpan(2), CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max() + 1;
        var code = $"V-{next:0000}";
        var victim = new Victim
        {
            Code = code,
            CaseId = request.CaseId,
            AgeAtIncident = request.AgeAtIncident,
            Sex = Fields.Trimmed(request.Sex),
            Origin = Fields.Trimmed(request.Origin),
            Status = request.Status,
            ProtectedIdentity = identity is null ? null : protectedFields.Seal(code, Padded(JsonSerializer.SerializeToUtf8Bytes(identity))),
            CreatedAtUtc = now.UtcDateTime,
            CreatedBy = actor.Value.Name,
        };
        db.Victims.Add(victim);
        unitOfWork.Record("VictimAdded", null, null, Projections.Victims.Details("VictimAdded", victim));
        return code;
    }

    // AES-GCM hides the bytes, not how many there are: sealed as serialized, an identity's length is its name's, which with
    // the age, sex and origin kept in clear beside it narrows a public list of deported children to one. So the JSON is
    // padded with spaces, which every JSON reader skips, to a whole number of blocks: a name of up to some 70 Cyrillic
    // letters (each escaped to 6 bytes) seals to one block, whatever its length.
    private const int IdentityBlock = 512;

    private static byte[] Padded(byte[] json)
    {
        var padded = new byte[Math.Max(1, (json.Length + IdentityBlock - 1) / IdentityBlock) * IdentityBlock];
        json.CopyTo(padded, 0);
        padded.AsSpan(json.Length).Fill((byte)' ');
        return padded;
    }
}
