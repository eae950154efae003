//! Reading the facts compat judges from an ELF file: dynamic section
//! (NEEDED, SONAME, RPATH/RUNPATH), interpreter, symbol version needs and
//! definitions, ABI note; and finding the libraries a file needs.
