//! What the syscall analysis needs from one ELF image, parsed and nothing
//! more: its executable bytes, its function symbols, the libc functions it
//! imports, and (from the dynamic section) whether it is static or the C
//! library. What the code does with them is for the layers above.

use anyhow::{bail, Context, Result};
use object::{
    elf,
    read::elf::{ElfFile64, FileHeader, ProgramHeader},
    Endianness, Object, ObjectSection, ObjectSymbol, ObjectSymbolTable, SectionFlags, SymbolKind,
};

use super::tables::Arch;

/// Executable bytes at a virtual address.
pub(crate) struct Region<'data> {
    pub(crate) addr: u64,
    pub(crate) bytes: &'data [u8],
}

impl Region<'_> {
    pub(crate) fn end(&self) -> u64 {
        self.addr + self.bytes.len() as u64
    }

    pub(crate) fn contains(&self, addr: u64) -> bool {
        addr >= self.addr && addr < self.end()
    }

    /// The bytes from address `from` up to `to`, as far as the region holds them.
    pub(crate) fn between(&self, from: u64, to: u64) -> &[u8] {
        let offset = |a: u64| (a.saturating_sub(self.addr) as usize).min(self.bytes.len());
        &self.bytes[offset(from)..offset(to).max(offset(from))]
    }
}

/// One ELF image, parsed as far as the syscall analysis needs.
pub(crate) struct Image<'data> {
    pub(crate) file: ElfFile64<'data, Endianness>,
    pub(crate) arch: Arch,
    pub(crate) regions: Vec<Region<'data>>,
    /// No program interpreter and no needed libraries: libc is linked in.
    pub(crate) is_static: bool,
    /// The file is the C library itself (libc.so.6, ld.so, musl's libc.so).
    pub(crate) is_libc: bool,
}

impl<'data> Image<'data> {
    /// Parses `data`; `Ok(None)` for ELF files of other classes or machines.
    pub(crate) fn parse(data: &'data [u8]) -> Result<Option<Image<'data>>> {
        if data.get(..4) != Some(&elf::ELFMAG[..]) {
            bail!("not an ELF file");
        }
        if data.get(4) != Some(&elf::ELFCLASS64.0) {
            return Ok(None);
        }
        let file = ElfFile64::<Endianness>::parse(data).context("malformed ELF")?;
        let arch = match Arch::of_elf(file.elf_header().e_machine(file.endian()).0, 64, file.is_little_endian()) {
            Some(arch @ (Arch::X86_64 | Arch::Aarch64)) => arch,
            _ => return Ok(None),
        };
        let endian = file.endian();
        let mut regions = Vec::new();
        for section in file.sections() {
            if let SectionFlags::Elf { sh_flags, .. } = section.flags() {
                if sh_flags.contains(elf::SHF_EXECINSTR) && section.kind() != object::SectionKind::UninitializedData {
                    if let Ok(bytes) = section.data() {
                        regions.push(Region { addr: section.address(), bytes });
                    }
                }
            }
        }
        let headers = file.elf_program_headers();
        if regions.is_empty() {
            // No section headers (stripped hard): the executable segments.
            for ph in headers {
                if ph.p_type(endian) == elf::PT_LOAD && ph.p_flags(endian).contains(elf::PF_X) {
                    if let Ok(bytes) = ph.data(endian, data) {
                        regions.push(Region { addr: ph.p_vaddr(endian), bytes });
                    }
                }
            }
        }
        // Addresses a real image can have: no arithmetic on them overflows.
        regions.retain(|r| r.addr.checked_add(r.bytes.len() as u64).is_some_and(|end| end < 1 << 60));
        let has_interp = headers.iter().any(|ph| ph.p_type(endian) == elf::PT_INTERP);
        let dynamic = dynamic_strings(&file);
        let is_exec = file.elf_header().e_type(endian) == elf::ET_EXEC || !has_interp && dynamic.soname.is_none();
        let is_static = !has_interp && dynamic.needed == 0 && is_exec;
        let is_libc = dynamic.soname.as_deref().is_some_and(|s| {
            s.starts_with("libc.so")
                || s.starts_with("ld-linux")
                || s.starts_with("ld-musl")
                || s.starts_with("libc.musl")
        });
        Ok(Some(Image { file, arch, regions, is_static, is_libc }))
    }

    /// Function symbols (the full symbol table, else the dynamic one). Their
    /// names are looked up only for the few functions asked about: reading
    /// every name of a large library costs more than the rest of the analysis.
    pub(crate) fn functions(&self) -> Functions<'_, 'data> {
        fn text<'data>(symbols: impl Iterator<Item = impl ObjectSymbol<'data>>) -> Vec<(u64, u64, usize)> {
            symbols
                .filter(|s| s.kind() == SymbolKind::Text && !s.is_undefined() && s.address() != 0)
                .map(|s| (s.address(), s.size(), s.index().0))
                .collect()
        }
        let mut list = text(self.file.symbols());
        let dynamic = list.is_empty();
        if dynamic {
            list = text(self.file.dynamic_symbols());
        }
        list.sort_unstable();
        Functions { list, file: &self.file, dynamic }
    }

    /// The imports (undefined dynamic symbols, without version) for which
    /// `wanted` says yes, sorted and deduplicated. `wanted` sees the raw
    /// bytes of each name: only the names it accepts are checked as UTF-8.
    pub(crate) fn imports(&self, wanted: impl Fn(&[u8]) -> bool) -> Vec<&'data str> {
        let mut out: Vec<&str> = self
            .file
            .dynamic_symbols()
            .filter(|s| s.is_undefined())
            .filter_map(|s| s.name_bytes().ok())
            .filter(|n| !n.is_empty() && wanted(n))
            .filter_map(|n| std::str::from_utf8(n).ok())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Function symbols sorted by address (aliases kept, one entry each):
/// address, size and index in the symbol table, whose names are read on demand.
pub(crate) struct Functions<'f, 'data> {
    list: Vec<(u64, u64, usize)>,
    file: &'f ElfFile64<'data, Endianness>,
    /// The list is of the dynamic symbol table (no full one).
    dynamic: bool,
}

impl<'data> Functions<'_, 'data> {
    /// The name of symbol `index` of the list's table.
    fn name(&self, index: usize) -> Option<&'data str> {
        let index = object::SymbolIndex(index);
        if self.dynamic {
            self.file.dynamic_symbol_table()?.symbol_by_index(index).ok()?.name().ok()
        } else {
            self.file.symbol_by_index(index).ok()?.name().ok()
        }
    }

    /// Start addresses of the functions named `name`, ascending, each once.
    pub(crate) fn starts_of(&self, name: &str) -> Vec<u64> {
        let mut starts: Vec<u64> = self.list.iter().filter(|f| self.name(f.2) == Some(name)).map(|f| f.0).collect();
        starts.dedup();
        starts
    }

    /// The function holding `addr`: its start, size (0 when unknown) and
    /// every name given to that start.
    pub(crate) fn enclosing(&self, addr: u64) -> Option<(u64, u64, Vec<&'data str>)> {
        let idx = self.list.partition_point(|f| f.0 <= addr);
        let &(start, _, _) = self.list.get(idx.checked_sub(1)?)?;
        let same: Vec<_> = self.list[..idx].iter().rev().take_while(|f| f.0 == start).collect();
        let size = same.iter().map(|f| f.1).max().unwrap_or(0);
        if size != 0 && addr >= start.saturating_add(size) {
            return None;
        }
        // Ordered by size, then name (aliases of one start), as ever.
        let mut named: Vec<(u64, &str)> = same.iter().filter_map(|f| Some((f.1, self.name(f.2)?))).collect();
        named.sort_unstable();
        named.dedup();
        Some((start, size, named.into_iter().map(|f| f.1).collect()))
    }
}

/// What the dynamic section says about the image.
struct DynamicInfo {
    soname: Option<String>,
    needed: usize,
}

fn dynamic_strings(file: &ElfFile64<Endianness>) -> DynamicInfo {
    let mut info = DynamicInfo { soname: None, needed: 0 };
    let endian = file.endian();
    if let Ok(table) = file.elf_dynamic_table() {
        for entry in &table {
            if entry.tag == elf::DT_NEEDED {
                info.needed += 1;
            } else if entry.tag == elf::DT_SONAME {
                info.soname = table.string(entry).ok().map(|b| String::from_utf8_lossy(b).into_owned());
            }
        }
    }
    if file.elf_section_table().is_empty() {
        // Without section headers, count DT_NEEDED through PT_DYNAMIC.
        for ph in file.elf_program_headers() {
            if let Ok(Some(entries)) = ph.dynamic(endian, file.data()) {
                info.needed += entries.iter().filter(|e| e.d_tag.get(endian) == elf::DT_NEEDED).count();
            }
        }
    }
    info
}
