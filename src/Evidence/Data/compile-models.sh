#!/usr/bin/env bash
# Regenerates the compiled SQLite models (Data/CompiledModels/Sqlite, Accounts/CompiledModels/Sqlite) and the SQL that creates
# a new SQLite database (Data/NewDatabase) after an entity or a configuration changed and its migration was added. See
# Data/README.md for why they exist; CompiledModelTests and NewSqliteDatabaseTests fail while either is behind.
#
# --nativeaot makes EF Core write each entity's property accessors and change-tracking snapshots as code, where it would
# otherwise build them as expression trees and compile them on first use: about 300 methods compiled by the JIT before the
# command line's first write.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$root"
dotnet tool restore > /dev/null
# EF Core 10's generator names both the snapshot lambdas' parameter and the local for a property called "Source" `source`,
# so the lambda's parameter hides the property and the file does not compile. Rename the property's local where the
# snapshots are built (CreateAnnotations): there `(source)` as an argument and `(IProperty)source` mean the property.
# Done after each context, because generating the next one builds the project.
fix_source_property() {
  for file in "$1"/*EntityType.cs; do
    sed -i '/public static void CreateAnnotations/,$ {
      s/var source = runtimeEntityType\.FindProperty/var sourceProperty = runtimeEntityType.FindProperty/
      s/((IProperty)source)/((IProperty)sourceProperty)/g
      s/GetCurrentValue<\([^>]*\)>(source)/GetCurrentValue<\1>(sourceProperty)/g
    }' "$file"
  done
}
dotnet ef dbcontext optimize --project src/Evidence --context EvidenceDbContext --nativeaot \
  --output-dir Data/CompiledModels/Sqlite --namespace Evidence.Data.CompiledModels.Sqlite
fix_source_property src/Evidence/Data/CompiledModels/Sqlite
dotnet ef dbcontext optimize --project src/Evidence --context AccountsDbContext --nativeaot \
  --output-dir Accounts/CompiledModels/Sqlite --namespace Evidence.Accounts.CompiledModels.Sqlite
fix_source_property src/Evidence/Accounts/CompiledModels/Sqlite
# Every migration of each context, from an empty database to the latest, as EF Core would apply them; without transactions,
# since NewSqliteDatabase runs both files in one. The byte order mark EF Core writes first is dropped.
for context in EvidenceDbContext AccountsDbContext; do
  dotnet ef migrations script --project src/Evidence --context "$context" --no-transactions --output "src/Evidence/Data/NewDatabase/$context.sql"
  sed -i '1s/^\xEF\xBB\xBF//' "src/Evidence/Data/NewDatabase/$context.sql"
done
dotnet build src/Evidence/Evidence.csproj -nologo -v quiet
