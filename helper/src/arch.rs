//! The architectures compat knows, one row each: the name distributions and
//! profiles use, the ELF `e_machine` and class that identify it, the program
//! interpreters a glibc distribution installs for it, its Debian multiarch
//! triplet and whether its libraries also live in `lib64` dirs. Everything
//! else asks this table; nothing here depends on the rest of the crate.

use std::{fmt, path::PathBuf};

use object::elf;

/// An architecture with a row in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arch {
    X86_64,
    X32,
    I386,
    Aarch64,
    Arm,
    Riscv64,
    Riscv32,
    Ppc64le,
    Ppc64,
    Ppc,
    S390x,
    Mips64,
    Mips,
    Loongarch64,
}

/// What compat knows about one architecture.
struct Row {
    arch: Arch,
    name: &'static str,
    /// ELF `e_machine`.
    machine: u16,
    /// The ELF class (32/64) the row is for; `None`: any.
    bits: Option<u8>,
    /// The byte order the row is for (`Some(true)`: little-endian); `None`: any.
    little_endian: Option<bool>,
    /// PT_INTERP values a glibc distribution installs, as the linker writes
    /// them; the first is the one every glibc distribution has.
    interpreters: &'static [&'static str],
    /// `compat bundle` points programs at the first interpreter (only where
    /// bundles have been made: elsewhere it refuses rather than guess).
    bundles: bool,
    /// Debian's multiarch triplet (`/usr/lib/TRIPLET`).
    triplet: Option<&'static str>,
    /// Other distributions put this architecture's libraries in `/lib64`.
    lib64: bool,
}

impl Row {
    /// A row with the ELF identity alone: any class and byte order, no glibc facts.
    const fn new(arch: Arch, name: &'static str, machine: elf::Machine) -> Row {
        Row {
            arch,
            name,
            machine: machine.0,
            bits: None,
            little_endian: None,
            interpreters: &[],
            bundles: false,
            triplet: None,
            lib64: false,
        }
    }

    /// Only for ELF class `bits`.
    const fn bits(self, bits: u8) -> Row {
        Row { bits: Some(bits), ..self }
    }

    /// Only for little-endian files.
    const fn little_endian(self) -> Row {
        Row { little_endian: Some(true), ..self }
    }

    /// Where glibc distributions put its loader, and its multiarch triplet.
    const fn glibc(self, interpreters: &'static [&'static str], triplet: &'static str) -> Row {
        Row { interpreters, triplet: Some(triplet), ..self }
    }

    const fn lib64(self) -> Row {
        Row { lib64: true, ..self }
    }

    const fn bundles(self) -> Row {
        Row { bundles: true, ..self }
    }
}

/// The table, in the order of [`Arch`]'s variants. Rows sharing an
/// `e_machine` are told apart by class and byte order; the first matching
/// row wins, so the narrower row comes first.
#[rustfmt::skip]
const ROWS: &[Row] = &[
    Row::new(Arch::X86_64, "x86_64", elf::EM_X86_64).bits(64)
        .glibc(&["/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"], "x86_64-linux-gnu")
        .lib64().bundles(),
    Row::new(Arch::X32, "x32", elf::EM_X86_64).bits(32),
    Row::new(Arch::I386, "i386", elf::EM_386).glibc(&["/lib/ld-linux.so.2"], "i386-linux-gnu").bundles(),
    Row::new(Arch::Aarch64, "aarch64", elf::EM_AARCH64)
        .glibc(&["/lib/ld-linux-aarch64.so.1", "/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1"], "aarch64-linux-gnu")
        .lib64().bundles(),
    Row::new(Arch::Arm, "arm", elf::EM_ARM).glibc(&["/lib/ld-linux-armhf.so.3"], "arm-linux-gnueabihf"),
    Row::new(Arch::Riscv64, "riscv64", elf::EM_RISCV).bits(64)
        .glibc(&["/lib/ld-linux-riscv64-lp64d.so.1"], "riscv64-linux-gnu").lib64(),
    Row::new(Arch::Riscv32, "riscv32", elf::EM_RISCV).bits(32),
    Row::new(Arch::Ppc64le, "ppc64le", elf::EM_PPC64).little_endian()
        .glibc(&["/lib64/ld64.so.2"], "powerpc64le-linux-gnu").lib64(),
    Row::new(Arch::Ppc64, "ppc64", elf::EM_PPC64),
    Row::new(Arch::Ppc, "ppc", elf::EM_PPC),
    Row::new(Arch::S390x, "s390x", elf::EM_S390).glibc(&["/lib/ld64.so.1"], "s390x-linux-gnu").lib64(),
    Row::new(Arch::Mips64, "mips64", elf::EM_MIPS).bits(64),
    Row::new(Arch::Mips, "mips", elf::EM_MIPS),
    Row::new(Arch::Loongarch64, "loongarch64", elf::EM_LOONGARCH),
];

impl Arch {
    /// The architectures compat builds for and a profile ships unless it says otherwise.
    pub const PROJECT: [Arch; 2] = [Arch::X86_64, Arch::Aarch64];

    fn row(self) -> &'static Row {
        // Row i is variant i (a test checks every one).
        &ROWS[self as usize]
    }

    /// Every architecture, in table order.
    pub fn all() -> impl Iterator<Item = Arch> {
        ROWS.iter().map(|r| r.arch)
    }

    /// The architecture of an ELF file's `e_machine`, class (32/64) and byte order.
    pub fn of_elf(machine: u16, bits: u8, little_endian: bool) -> Option<Arch> {
        ROWS.iter()
            .find(|r| {
                r.machine == machine
                    && r.bits.is_none_or(|b| b == bits)
                    && r.little_endian.is_none_or(|l| l == little_endian)
            })
            .map(|r| r.arch)
    }

    /// The architecture called `name` ("x86_64", "aarch64", ...).
    pub fn from_name(name: &str) -> Option<Arch> {
        ROWS.iter().find(|r| r.name == name).map(|r| r.arch)
    }

    /// The name distributions and profiles use: "x86_64", "aarch64", ...
    pub fn name(self) -> &'static str {
        self.row().name
    }

    /// Every PT_INTERP a glibc distribution installs for this architecture.
    pub fn interpreters(self) -> &'static [&'static str] {
        self.row().interpreters
    }

    /// The interpreter `compat bundle` gives programs; `None` where bundles
    /// for this architecture have not been made.
    pub fn bundle_interpreter(self) -> Option<&'static str> {
        let row = self.row();
        row.interpreters.first().copied().filter(|_| row.bundles)
    }

    /// The soname of glibc's dynamic loader ("ld-linux-x86-64.so.2").
    pub fn loader(self) -> Option<&'static str> {
        self.row().interpreters.first().map(|path| path.rsplit('/').next().unwrap_or(path))
    }
}

/// Whether `path` is a program interpreter a glibc distribution installs
/// (for any architecture), as the linker writes it into PT_INTERP.
pub fn is_standard_interpreter(path: &str) -> bool {
    ROWS.iter().any(|r| r.interpreters.contains(&path))
}

/// The directories a glibc system searches by default for libraries of the
/// architecture called `arch`: Debian's multiarch dirs, the lib64 dirs of
/// other distributions, then /lib and /usr/lib (only these for a name
/// without a row).
pub fn default_dirs(arch: &str) -> Vec<PathBuf> {
    let row = Arch::from_name(arch).map(Arch::row);
    let mut dirs = Vec::new();
    if let Some(t) = row.and_then(|r| r.triplet) {
        dirs.push(PathBuf::from(format!("/lib/{t}")));
        dirs.push(PathBuf::from(format!("/usr/lib/{t}")));
    }
    if row.is_some_and(|r| r.lib64) {
        dirs.push(PathBuf::from("/lib64"));
        dirs.push(PathBuf::from("/usr/lib64"));
    }
    dirs.push(PathBuf::from("/lib"));
    dirs.push(PathBuf::from("/usr/lib"));
    dirs
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Written as its name ("x86_64"), as the fact cache has always stored it.
impl serde::Serialize for Arch {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Arch {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Arch, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Arch::from_name(&name).ok_or_else(|| serde::de::Error::custom(format_args!("unknown architecture '{name}'")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_one_row_and_a_unique_name() {
        for (i, row) in ROWS.iter().enumerate() {
            assert_eq!(row.arch as usize, i, "row {i} is {:?}", row.arch);
        }
        for arch in Arch::all() {
            assert_eq!(Arch::from_name(arch.name()), Some(arch));
        }
        assert_eq!(Arch::all().count(), ROWS.len());
        assert_eq!(Arch::from_name("sparc"), None);
    }

    #[test]
    fn machine_class_and_byte_order_pick_the_row() {
        assert_eq!(Arch::of_elf(62, 64, true), Some(Arch::X86_64));
        assert_eq!(Arch::of_elf(62, 32, true), Some(Arch::X32));
        assert_eq!(Arch::of_elf(183, 64, true), Some(Arch::Aarch64));
        assert_eq!(Arch::of_elf(21, 64, true), Some(Arch::Ppc64le));
        assert_eq!(Arch::of_elf(21, 64, false), Some(Arch::Ppc64));
        assert_eq!(Arch::of_elf(8, 64, false), Some(Arch::Mips64));
        assert_eq!(Arch::of_elf(8, 32, false), Some(Arch::Mips));
        assert_eq!(Arch::of_elf(9999, 64, true), None);
    }

    #[test]
    fn loaders_are_the_interpreters_file_names() {
        assert_eq!(Arch::X86_64.loader(), Some("ld-linux-x86-64.so.2"));
        assert_eq!(Arch::Aarch64.loader(), Some("ld-linux-aarch64.so.1"));
        assert_eq!(Arch::Ppc64le.loader(), Some("ld64.so.2"));
        assert_eq!(Arch::Mips.loader(), None);
        for arch in Arch::all() {
            for interp in arch.interpreters() {
                assert!(interp.starts_with('/') && interp.ends_with(arch.loader().unwrap_or("?")), "{arch}: {interp}");
            }
        }
    }

    #[test]
    fn default_dirs_put_multiarch_first_and_lib64_where_used() {
        let dirs = |a: &str| default_dirs(a).iter().map(|d| d.display().to_string()).collect::<Vec<_>>();
        assert_eq!(
            dirs("x86_64"),
            ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"]
        );
        assert_eq!(dirs("i386"), ["/lib/i386-linux-gnu", "/usr/lib/i386-linux-gnu", "/lib", "/usr/lib"]);
        assert_eq!(dirs("mips"), ["/lib", "/usr/lib"]);
        assert_eq!(dirs("machine-9999"), ["/lib", "/usr/lib"]);
    }

    #[test]
    fn standard_interpreters_of_any_arch() {
        assert!(is_standard_interpreter("/lib64/ld-linux-x86-64.so.2"));
        assert!(is_standard_interpreter("/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1"));
        assert!(is_standard_interpreter("/lib/ld-linux-armhf.so.3"));
        assert!(!is_standard_interpreter("/lib/ld-linux-x86-64.so.2"));
        assert_eq!(Arch::I386.bundle_interpreter(), Some("/lib/ld-linux.so.2"));
        assert_eq!(Arch::Arm.bundle_interpreter(), None);
    }

    #[test]
    fn serialized_as_the_name() {
        assert_eq!(serde_json::to_string(&Arch::X86_64).unwrap(), "\"x86_64\"");
        assert_eq!(serde_json::from_str::<Arch>("\"aarch64\"").unwrap(), Arch::Aarch64);
        let err = serde_json::from_str::<Arch>("\"vax\"").unwrap_err().to_string();
        assert!(err.contains("unknown architecture 'vax'"), "{err}");
    }
}
