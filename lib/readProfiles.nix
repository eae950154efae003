# readProfiles :: path -> { <name> = profile; }
#
# Reads the target profiles of a `profiles/` directory: every top-level
# `*.json` file (subdirectories such as `profiles/fixups/` are left alone),
# keyed by file name without `.json`. Each profile is checked lazily, so a
# broken file fails only the evaluations that use it, with a message naming
# the file: it must carry `name` (equal to its file name), `glibc` and
# `kernel` as strings.
#
# A missing directory gives `{ }`.
#
# Example:
#   (readProfiles ./profiles)."debian-11".glibc  =>  "2.31"
dir:
let
  entries = if builtins.pathExists dir then builtins.readDir dir else { };
  isProfileFile =
    file: entries.${file} == "regular" && builtins.match ".+\\.json" file != null;
  files = builtins.filter isProfileFile (builtins.attrNames entries);

  stemOf = file: builtins.substring 0 (builtins.stringLength file - 5) file;

  check =
    file: profile:
    let
      where = "compat: profile ${toString dir}/${file}";
      missing = builtins.filter (
        field: !(profile ? ${field}) || !(builtins.isString profile.${field})
      ) [ "name" "glibc" "kernel" ];
    in
    if !(builtins.isAttrs profile) then
      throw "${where}: expected a JSON object"
    else if missing != [ ] then
      throw "${where}: missing or non-string field(s): ${builtins.concatStringsSep ", " missing}"
    else if profile.name != stemOf file then
      throw "${where}: its name \"${profile.name}\" differs from the file name"
    else
      profile;

  read =
    file:
    builtins.addErrorContext "while reading compat profile ${toString dir}/${file}" (
      check file (builtins.fromJSON (builtins.readFile (dir + "/${file}")))
    );
in
builtins.listToAttrs (
  map (file: {
    name = stemOf file;
    value = read file;
  }) files
)
