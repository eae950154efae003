# matchProfile :: { <name> = profile; } -> { glibc, kernel } -> string or null
#
# The name of the first profile (in name order) whose glibc and kernel are
# exactly the target's, or null. Used to pick the fixups overlay that belongs
# to a target given only by versions.
#
# Example:
#   matchProfile profiles { glibc = "2.31"; kernel = "5.10"; }  =>  "debian-11"
profiles: target:
let
  matches = builtins.filter (
    name: profiles.${name}.glibc == target.glibc && profiles.${name}.kernel == target.kernel
  ) (builtins.attrNames profiles);
in
if matches == [ ] then null else builtins.head matches
