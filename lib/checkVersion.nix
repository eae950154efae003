# checkVersion :: string -> attrset -> any -> string
#
# Returns `version` when it is a key of `table`; otherwise fails evaluation
# with a message that names what was asked for and lists the supported
# versions. `what` names the kind of version ("glibc", "kernel").
#
# Example:
#   checkVersion "glibc" supported.glibc "2.31"  =>  "2.31"
#   checkVersion "glibc" supported.glibc "2.17"
#     error: compat: unsupported glibc version "2.17"; supported: 2.28, 2.31, 2.35
what: table: version:
let
  sorted = builtins.sort (a: b: builtins.compareVersions a b < 0) (builtins.attrNames table);
  supportedList = builtins.concatStringsSep ", " sorted;
  shown = if builtins.isString version then "\"${version}\"" else "of type ${builtins.typeOf version}";
in
if builtins.isString version && table ? ${version} then
  version
else
  throw "compat: unsupported ${what} version ${shown}; supported: ${supportedList} (write it as a string, e.g. \"${builtins.head sorted}\")"
