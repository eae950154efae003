# bootstrapFilesFor :: { system, glibc, bootstrapFiles } -> attrset or null
#
# The bootstrap files (`{ bootstrapTools, busybox }`) the "bootstrap"
# strategy starts from for a target glibc; null means nixpkgs' own. The
# files of bootstrapChoice (see there for the choices and the default),
# without its account of them, e.g. for nixpkgs' own
# `config.replaceBootstrapFiles = _: compat.lib.bootstrapFilesFor { ... }`.
args: (import ./bootstrapChoice.nix args).files
