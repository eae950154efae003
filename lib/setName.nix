# setName :: string -> string
#
# The attribute name of the compat package set for a glibc version: the
# version without its dots, after "glibc".
#
# Example:
#   setName "2.31"  =>  "glibc231"
version: "glibc" + builtins.replaceStrings [ "." ] [ "" ] version
