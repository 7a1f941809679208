//! Case types (警情分类): a two-level taxonomy (category → type) close to 110 practice, named
//! groups such as 两抢 and 四类可防性案件, and the mappings that put a source's own case names
//! onto it, all read from TOML so each city can keep its own.

use formats::calls::CallRecord;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use toml::Spanned;

/// The built-in taxonomy's TOML, embedded so every build has it.
pub const DEFAULT_TOML: &str = include_str!("../taxonomy/default.toml");
/// Seattle SPD call groups onto the default taxonomy.
pub const SEATTLE_TOML: &str = include_str!("../taxonomy/seattle.toml");
/// Chicago IUCR primary types onto the default taxonomy.
pub const CHICAGO_TOML: &str = include_str!("../taxonomy/chicago.toml");

/// Index of a category in its taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CategoryId(pub u16);

/// Index of a case type in its taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TypeId(pub u16);

/// Index of a named group in its taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GroupId(pub u16);

/// Where one call lands: always a category; a type when a mapping or name gave one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Classification {
    pub category: CategoryId,
    pub case_type: Option<TypeId>,
}

/// What a figure is about: everything, one category, one type or one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Selector {
    All,
    Category(CategoryId),
    Type(TypeId),
    Group(GroupId),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Category {
    pub code: String,
    pub zh: String,
    pub en: String,
    pub types: Vec<TypeId>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseType {
    pub code: String,
    pub zh: String,
    pub en: String,
    pub category: CategoryId,
    /// Calls of this type carry deaths, injuries and direct loss (traffic accidents).
    pub accident: bool,
}

/// A named set of types and whole categories (两抢, 四类可防性案件).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub code: String,
    pub zh: String,
    pub en: String,
    pub types: Vec<TypeId>,
    pub categories: Vec<CategoryId>,
}

/// A source value no mapping placed, with how many calls carried it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmappedValue {
    pub case_type: Option<String>,
    pub category: Option<String>,
    pub calls: u64,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TaxonomyError {
    #[error("{file}:{line}: unknown key `{key}`{}; the keys allowed here are {allowed}", suggestion(.nearest))]
    UnknownKey {
        file: String,
        line: usize,
        key: String,
        nearest: Option<String>,
        allowed: String,
    },
    #[error("{file}:{line}: {message}")]
    Syntax {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}:{line}: the code `{code}` is used twice (first at {first}); every category, type and group needs its own code")]
    DuplicateCode {
        file: String,
        line: usize,
        code: String,
        /// `file:line` of the first use.
        first: String,
    },
    #[error("{file}:{line}: group `{group}` names `{member}`, which is no type or category of this taxonomy{}", suggestion(.nearest))]
    UnknownGroupMember {
        file: String,
        line: usize,
        group: String,
        member: String,
        nearest: Option<String>,
    },
    #[error("{file}:{line}: a mapping goes to `{target}`, which is no type or category of this taxonomy{}", suggestion(.nearest))]
    UnknownMappingTarget {
        file: String,
        line: usize,
        target: String,
        nearest: Option<String>,
    },
    #[error("{file}:{line}: a mapping has no `exact`, `contains` or `prefix` value; give at least one non-empty source value")]
    EmptyMapping { file: String, line: usize },
    #[error("{file}:{line}: `extends = \"{base}\"` names no built-in taxonomy; the only one is \"default\"")]
    UnknownBase {
        file: String,
        line: usize,
        base: String,
    },
    #[error("{file}: a file that extends another takes its categories; remove the [[category]] tables (line {line}) or the `extends` key")]
    ExtendsWithCategories { file: String, line: usize },
    #[error("{file}: the file defines no categories; define [[category]] tables or write `extends = \"default\"`")]
    NoCategories { file: String },
    #[error("{file}:{line}: `unmapped = \"{code}\"` names no category; unmapped calls need a category to go to")]
    UnknownUnmappedCategory {
        file: String,
        line: usize,
        code: String,
    },
    #[error("{file}: {count} categories and types (or groups) is more than the limit of {limit}; split the taxonomy")]
    TooMany {
        file: String,
        count: usize,
        limit: usize,
    },
}

fn suggestion(nearest: &Option<String>) -> String {
    match nearest {
        Some(name) => format!(" (did you mean `{name}`?)"),
        None => String::new(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    extends: Option<Spanned<String>>,
    unmapped: Option<Spanned<String>>,
    #[serde(default)]
    category: Vec<Spanned<CategoryToml>>,
    #[serde(default)]
    group: Vec<Spanned<GroupToml>>,
    #[serde(default)]
    map: Vec<Spanned<MapToml>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryToml {
    code: Spanned<String>,
    zh: String,
    en: String,
    #[serde(default)]
    types: Vec<TypeToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TypeToml {
    code: Spanned<String>,
    zh: String,
    en: String,
    #[serde(default)]
    accident: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupToml {
    code: Spanned<String>,
    zh: String,
    en: String,
    members: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapToml {
    to: Spanned<String>,
    #[serde(default)]
    exact: Vec<String>,
    #[serde(default)]
    contains: Vec<String>,
    #[serde(default)]
    prefix: Vec<String>,
}

/// The most categories plus types, and the most groups, a file may define (ids are 16-bit).
pub const MAX_CODES: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Category(CategoryId),
    Type(TypeId),
}

#[derive(Debug, Clone, PartialEq)]
struct PatternRule {
    order: usize,
    contains: Vec<String>,
    prefix: Vec<String>,
    target: Target,
}

/// A source value, trimmed and lower-cased, as mappings compare it.
fn normalise(value: &str) -> String {
    value.trim().to_lowercase()
}

/// A taxonomy with its mappings: classifies calls, names categories, types and groups.
#[derive(Debug, Clone, PartialEq)]
pub struct Taxonomy {
    categories: Vec<Category>,
    types: Vec<CaseType>,
    groups: Vec<Group>,
    unmapped: CategoryId,
    /// Normalised exact source value → (rule order, target); the first rule in file order wins.
    exact: HashMap<String, (usize, Target)>,
    patterns: Vec<PatternRule>,
    /// Codes and names of categories and types, normalised: matched after every mapping.
    names: HashMap<String, Target>,
    /// Per group, membership of each type and each category.
    group_types: Vec<Vec<bool>>,
    group_categories: Vec<Vec<bool>>,
}

impl Taxonomy {
    /// The built-in taxonomy (`taxonomy/default.toml`), without source mappings.
    pub fn default_110() -> Taxonomy {
        Taxonomy::from_toml(DEFAULT_TOML, "default.toml")
            .expect("the built-in taxonomy/default.toml is valid (tested)")
    }

    /// A taxonomy shipped with pingan by name: `default`, `seattle` (SPD call groups) or
    /// `chicago` (IUCR primary types).
    pub fn builtin(name: &str) -> Option<Taxonomy> {
        let (text, file) = match name {
            "default" => (DEFAULT_TOML, "default.toml"),
            "seattle" => (SEATTLE_TOML, "seattle.toml"),
            "chicago" => (CHICAGO_TOML, "chicago.toml"),
            _ => return None,
        };
        Some(
            Taxonomy::from_toml(text, file)
                .expect("the built-in taxonomy files are valid (tested)"),
        )
    }

    /// Reads a taxonomy file; `file_name` only names the file in errors.
    pub fn from_toml(text: &str, file_name: &str) -> Result<Taxonomy, TaxonomyError> {
        let file: FileToml =
            toml::from_str(text).map_err(|error| toml_error(&error, text, file_name))?;
        let line_of = |offset: usize| line_at(text, offset);
        let mut builder = Builder::default();
        let mut groups_source: Vec<(Spanned<GroupToml>, &str, String)> = Vec::new();
        let unmapped_code = match &file.extends {
            Some(base) => {
                if base.get_ref() != "default" {
                    return Err(TaxonomyError::UnknownBase {
                        file: file_name.to_string(),
                        line: line_of(base.span().start),
                        base: base.get_ref().clone(),
                    });
                }
                if let Some(first) = file.category.first() {
                    return Err(TaxonomyError::ExtendsWithCategories {
                        file: file_name.to_string(),
                        line: line_of(first.span().start),
                    });
                }
                let base_file: FileToml =
                    toml::from_str(DEFAULT_TOML).expect("the built-in default.toml parses");
                builder.add_categories(&base_file.category, DEFAULT_TOML, "default.toml")?;
                let overridden: Vec<&str> = file
                    .group
                    .iter()
                    .map(|group| group.get_ref().code.get_ref().as_str())
                    .collect();
                for group in base_file.group {
                    if !overridden.contains(&group.get_ref().code.get_ref().as_str()) {
                        groups_source.push((group, DEFAULT_TOML, "default.toml".to_string()));
                    }
                }
                match &file.unmapped {
                    Some(code) => (code.get_ref().clone(), line_of(code.span().start)),
                    None => (
                        base_file
                            .unmapped
                            .map(|code| code.into_inner())
                            .unwrap_or_else(|| "other".to_string()),
                        0,
                    ),
                }
            }
            None => {
                if file.category.is_empty() {
                    return Err(TaxonomyError::NoCategories {
                        file: file_name.to_string(),
                    });
                }
                builder.add_categories(&file.category, text, file_name)?;
                match &file.unmapped {
                    Some(code) => (code.get_ref().clone(), line_of(code.span().start)),
                    None => ("other".to_string(), 0),
                }
            }
        };
        for group in file.group {
            groups_source.push((group, text, file_name.to_string()));
        }
        if groups_source.len() > MAX_CODES {
            return Err(TaxonomyError::TooMany {
                file: file_name.to_string(),
                count: groups_source.len(),
                limit: MAX_CODES,
            });
        }
        for (group, group_text, group_file) in &groups_source {
            builder.add_group(group, group_text, group_file)?;
        }
        let unmapped = match builder.codes.get(&unmapped_code.0) {
            Some((Target::Category(id), _)) => *id,
            _ => {
                return Err(TaxonomyError::UnknownUnmappedCategory {
                    file: file_name.to_string(),
                    line: unmapped_code.1,
                    code: unmapped_code.0,
                })
            }
        };
        let mut exact = HashMap::new();
        let mut patterns = Vec::new();
        for (order, rule) in file.map.iter().enumerate() {
            let line = line_of(rule.span().start);
            let rule = rule.get_ref();
            let target = builder.target(&rule.to, text, file_name)?;
            let non_empty = |values: &[String]| -> Vec<String> {
                values
                    .iter()
                    .map(|value| normalise(value))
                    .filter(|value| !value.is_empty())
                    .collect()
            };
            let (exact_values, contains, prefix) = (
                non_empty(&rule.exact),
                non_empty(&rule.contains),
                non_empty(&rule.prefix),
            );
            if exact_values.is_empty() && contains.is_empty() && prefix.is_empty() {
                return Err(TaxonomyError::EmptyMapping {
                    file: file_name.to_string(),
                    line,
                });
            }
            for value in exact_values {
                exact.entry(value).or_insert((order, target));
            }
            if !contains.is_empty() || !prefix.is_empty() {
                patterns.push(PatternRule {
                    order,
                    contains,
                    prefix,
                    target,
                });
            }
        }
        let mut names = HashMap::new();
        for (index, category) in builder.categories.iter().enumerate() {
            let target = Target::Category(CategoryId(index as u16));
            for name in [&category.code, &category.zh, &category.en] {
                names.entry(normalise(name)).or_insert(target);
            }
        }
        for (index, case_type) in builder.types.iter().enumerate() {
            let target = Target::Type(TypeId(index as u16));
            for name in [&case_type.code, &case_type.zh, &case_type.en] {
                names.entry(normalise(name)).or_insert(target);
            }
        }
        let group_types = builder
            .groups
            .iter()
            .map(|group| {
                (0..builder.types.len())
                    .map(|index| {
                        group.types.contains(&TypeId(index as u16))
                            || group.categories.contains(&builder.types[index].category)
                    })
                    .collect()
            })
            .collect();
        let group_categories = builder
            .groups
            .iter()
            .map(|group| {
                (0..builder.categories.len())
                    .map(|index| group.categories.contains(&CategoryId(index as u16)))
                    .collect()
            })
            .collect();
        Ok(Taxonomy {
            categories: builder.categories,
            types: builder.types,
            groups: builder.groups,
            unmapped,
            exact,
            patterns,
            names,
            group_types,
            group_categories,
        })
    }

    pub fn categories(&self) -> &[Category] {
        &self.categories
    }
    pub fn types(&self) -> &[CaseType] {
        &self.types
    }
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }
    pub fn category(&self, id: CategoryId) -> &Category {
        &self.categories[usize::from(id.0)]
    }
    pub fn case_type(&self, id: TypeId) -> &CaseType {
        &self.types[usize::from(id.0)]
    }
    pub fn group_by_id(&self, id: GroupId) -> &Group {
        &self.groups[usize::from(id.0)]
    }
    /// The category unmapped calls go to (其他 in the default).
    pub fn unmapped_category(&self) -> CategoryId {
        self.unmapped
    }
    /// The types whose calls carry accident figures (交通事故 in the default).
    pub fn accident_types(&self) -> Vec<TypeId> {
        (0..self.types.len())
            .filter(|&index| self.types[index].accident)
            .map(|index| TypeId(index as u16))
            .collect()
    }

    /// A group by its code, Chinese or English name (case-insensitive).
    pub fn group(&self, name: &str) -> Option<GroupId> {
        let wanted = normalise(name);
        self.groups
            .iter()
            .position(|group| {
                [&group.code, &group.zh, &group.en]
                    .iter()
                    .any(|candidate| normalise(candidate) == wanted)
            })
            .map(|index| GroupId(index as u16))
    }

    /// A selector from a code or name of a type, category or group (`all`/`全部` for everything);
    /// types first, then categories, then groups.
    pub fn selector(&self, name: &str) -> Option<Selector> {
        let wanted = normalise(name);
        if wanted == "all" || wanted == "全部" {
            return Some(Selector::All);
        }
        let matches = |code: &str, zh: &str, en: &str| {
            [code, zh, en]
                .iter()
                .any(|candidate| normalise(candidate) == wanted)
        };
        if let Some(index) = self
            .types
            .iter()
            .position(|t| matches(&t.code, &t.zh, &t.en))
        {
            return Some(Selector::Type(TypeId(index as u16)));
        }
        if let Some(index) = self
            .categories
            .iter()
            .position(|c| matches(&c.code, &c.zh, &c.en))
        {
            return Some(Selector::Category(CategoryId(index as u16)));
        }
        self.group(name).map(Selector::Group)
    }

    /// Every code a selector may name, for "did you mean" messages.
    pub fn nearest_name(&self, name: &str) -> Option<String> {
        let candidates: Vec<&str> = self
            .types
            .iter()
            .map(|t| t.code.as_str())
            .chain(self.categories.iter().map(|c| c.code.as_str()))
            .chain(self.groups.iter().map(|g| g.code.as_str()))
            .collect();
        nearest(name, &candidates)
    }

    /// Whether a call so classified belongs to the group.
    pub fn in_group(&self, group: GroupId, classification: Classification) -> bool {
        let index = usize::from(group.0);
        match classification.case_type {
            Some(case_type) => self.group_types[index][usize::from(case_type.0)],
            None => self.group_categories[index][usize::from(classification.category.0)],
        }
    }

    /// Whether a call so classified is what the selector names.
    pub fn selects(&self, selector: Selector, classification: Classification) -> bool {
        match selector {
            Selector::All => true,
            Selector::Category(category) => classification.category == category,
            Selector::Type(case_type) => classification.case_type == Some(case_type),
            Selector::Group(group) => self.in_group(group, classification),
        }
    }

    /// Chinese and English names of what a selector names.
    pub fn selector_names(&self, selector: Selector) -> (String, String, String) {
        match selector {
            Selector::All => ("all".into(), "全部".into(), "All".into()),
            Selector::Category(id) => {
                let c = self.category(id);
                (c.code.clone(), c.zh.clone(), c.en.clone())
            }
            Selector::Type(id) => {
                let t = self.case_type(id);
                (t.code.clone(), t.zh.clone(), t.en.clone())
            }
            Selector::Group(id) => {
                let g = self.group_by_id(id);
                (g.code.clone(), g.zh.clone(), g.en.clone())
            }
        }
    }

    /// Classifies one call: mappings on its type, then on its category, then the taxonomy's own
    /// codes and names on each; `None` when nothing matched (use `Classifier` to count those).
    pub fn classify_mapped(&self, call: &CallRecord) -> Option<Classification> {
        let by_rules = |value: &Option<String>| value.as_deref().and_then(|v| self.match_rules(v));
        let by_names = |value: &Option<String>| {
            value
                .as_deref()
                .and_then(|v| self.names.get(&normalise(v)).copied())
        };
        let target = by_rules(&call.case_type)
            .or_else(|| by_rules(&call.category))
            .or_else(|| by_names(&call.case_type))
            .or_else(|| by_names(&call.category))?;
        Some(self.classification(target))
    }

    /// Classifies one call; unmapped calls go to the unmapped category without a type.
    pub fn classify(&self, call: &CallRecord) -> Classification {
        self.classify_mapped(call).unwrap_or(Classification {
            category: self.unmapped,
            case_type: None,
        })
    }

    fn classification(&self, target: Target) -> Classification {
        match target {
            Target::Category(category) => Classification {
                category,
                case_type: None,
            },
            Target::Type(case_type) => Classification {
                category: self.types[usize::from(case_type.0)].category,
                case_type: Some(case_type),
            },
        }
    }

    fn match_rules(&self, value: &str) -> Option<Target> {
        let value = normalise(value);
        if value.is_empty() {
            return None;
        }
        let exact = self.exact.get(&value).copied();
        let limit = exact.map_or(usize::MAX, |(order, _)| order);
        self.patterns
            .iter()
            .take_while(|rule| rule.order < limit)
            .find(|rule| {
                rule.contains
                    .iter()
                    .any(|part| value.contains(part.as_str()))
                    || rule
                        .prefix
                        .iter()
                        .any(|part| value.starts_with(part.as_str()))
            })
            .map(|rule| rule.target)
            .or(exact.map(|(_, target)| target))
    }
}

/// Classifies calls one after another and counts the source values no mapping placed.
#[derive(Debug)]
pub struct Classifier<'t> {
    taxonomy: &'t Taxonomy,
    unmapped: BTreeMap<(Option<String>, Option<String>), u64>,
    classified: u64,
}

impl<'t> Classifier<'t> {
    pub fn new(taxonomy: &'t Taxonomy) -> Self {
        Classifier {
            taxonomy,
            unmapped: BTreeMap::new(),
            classified: 0,
        }
    }

    pub fn classify(&mut self, call: &CallRecord) -> Classification {
        self.classified += 1;
        match self.taxonomy.classify_mapped(call) {
            Some(classification) => classification,
            None => {
                *self
                    .unmapped
                    .entry((call.case_type.clone(), call.category.clone()))
                    .or_insert(0) += 1;
                Classification {
                    category: self.taxonomy.unmapped,
                    case_type: None,
                }
            }
        }
    }

    /// One classification per call, in order.
    pub fn classify_all(&mut self, calls: &[CallRecord]) -> Vec<Classification> {
        calls.iter().map(|call| self.classify(call)).collect()
    }

    /// Calls classified so far.
    pub fn classified(&self) -> u64 {
        self.classified
    }

    /// Source values that went to the unmapped category, most calls first.
    pub fn unmapped(&self) -> Vec<UnmappedValue> {
        let mut values: Vec<UnmappedValue> = self
            .unmapped
            .iter()
            .map(|((case_type, category), &calls)| UnmappedValue {
                case_type: case_type.clone(),
                category: category.clone(),
                calls,
            })
            .collect();
        values.sort_by_key(|value| std::cmp::Reverse(value.calls));
        values
    }
}

#[derive(Default)]
struct Builder {
    categories: Vec<Category>,
    types: Vec<CaseType>,
    groups: Vec<Group>,
    /// Code → (what it names, `file:line` of its definition).
    codes: HashMap<String, (Target, String)>,
    group_lines: HashMap<String, String>,
}

impl Builder {
    fn claim_code(
        &mut self,
        code: &Spanned<String>,
        target: Option<Target>,
        text: &str,
        file: &str,
    ) -> Result<(), TaxonomyError> {
        let line = line_at(text, code.span().start);
        let first = self
            .codes
            .get(code.get_ref())
            .map(|(_, place)| place.clone())
            .or_else(|| self.group_lines.get(code.get_ref()).cloned());
        if let Some(first) = first {
            return Err(TaxonomyError::DuplicateCode {
                file: file.to_string(),
                line,
                code: code.get_ref().clone(),
                first,
            });
        }
        let place = format!("{file}:{line}");
        match target {
            Some(target) => {
                self.codes.insert(code.get_ref().clone(), (target, place));
            }
            None => {
                self.group_lines.insert(code.get_ref().clone(), place);
            }
        }
        Ok(())
    }

    fn add_categories(
        &mut self,
        categories: &[Spanned<CategoryToml>],
        text: &str,
        file: &str,
    ) -> Result<(), TaxonomyError> {
        let count: usize = categories
            .iter()
            .map(|category| 1 + category.get_ref().types.len())
            .sum();
        if count > MAX_CODES {
            return Err(TaxonomyError::TooMany {
                file: file.to_string(),
                count,
                limit: MAX_CODES,
            });
        }
        for category in categories {
            let category = category.get_ref();
            let id = CategoryId(self.categories.len() as u16);
            self.claim_code(&category.code, Some(Target::Category(id)), text, file)?;
            let mut types = Vec::new();
            for case_type in &category.types {
                let type_id = TypeId(self.types.len() as u16);
                self.claim_code(&case_type.code, Some(Target::Type(type_id)), text, file)?;
                self.types.push(CaseType {
                    code: case_type.code.get_ref().clone(),
                    zh: case_type.zh.clone(),
                    en: case_type.en.clone(),
                    category: id,
                    accident: case_type.accident,
                });
                types.push(type_id);
            }
            self.categories.push(Category {
                code: category.code.get_ref().clone(),
                zh: category.zh.clone(),
                en: category.en.clone(),
                types,
            });
        }
        Ok(())
    }

    fn add_group(
        &mut self,
        group: &Spanned<GroupToml>,
        text: &str,
        file: &str,
    ) -> Result<(), TaxonomyError> {
        let group = group.get_ref();
        self.claim_code(&group.code, None, text, file)?;
        let mut types = Vec::new();
        let mut categories = Vec::new();
        for member in &group.members {
            match self.codes.get(member.get_ref()) {
                Some((Target::Type(id), _)) => types.push(*id),
                Some((Target::Category(id), _)) => categories.push(*id),
                None => {
                    return Err(TaxonomyError::UnknownGroupMember {
                        file: file.to_string(),
                        line: line_at(text, member.span().start),
                        group: group.code.get_ref().clone(),
                        member: member.get_ref().clone(),
                        nearest: self.nearest_code(member.get_ref()),
                    })
                }
            }
        }
        self.groups.push(Group {
            code: group.code.get_ref().clone(),
            zh: group.zh.clone(),
            en: group.en.clone(),
            types,
            categories,
        });
        Ok(())
    }

    fn target(
        &self,
        code: &Spanned<String>,
        text: &str,
        file: &str,
    ) -> Result<Target, TaxonomyError> {
        match self.codes.get(code.get_ref()) {
            Some((target, _)) => Ok(*target),
            None => Err(TaxonomyError::UnknownMappingTarget {
                file: file.to_string(),
                line: line_at(text, code.span().start),
                target: code.get_ref().clone(),
                nearest: self.nearest_code(code.get_ref()),
            }),
        }
    }

    fn nearest_code(&self, code: &str) -> Option<String> {
        let candidates: Vec<&str> = self.codes.keys().map(String::as_str).collect();
        nearest(code, &candidates)
    }
}

/// 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&byte| byte == b'\n')
        .count()
        + 1
}

fn toml_error(error: &toml::de::Error, text: &str, file: &str) -> TaxonomyError {
    let line = error.span().map_or(1, |span| line_at(text, span.start));
    let message = error.message().trim().to_string();
    // serde words it "unknown field `key`, expected one of `a`, `b`" (or "expected `a`").
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let quoted: Vec<&str> = rest
            .split('`')
            .enumerate()
            .filter(|(index, _)| index % 2 == 0)
            .map(|(_, part)| part)
            .collect();
        let key = quoted[0].to_string();
        let allowed: Vec<&str> = quoted[1..]
            .iter()
            .copied()
            .filter(|part| !part.is_empty())
            .collect();
        return TaxonomyError::UnknownKey {
            file: file.to_string(),
            line,
            nearest: nearest(&key, &allowed),
            allowed: allowed
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", "),
            key,
        };
    }
    TaxonomyError::Syntax {
        file: file.to_string(),
        line,
        message,
    }
}

/// The candidate closest to `name` by edit distance, if it is close enough to be a typo.
pub(crate) fn nearest(name: &str, candidates: &[&str]) -> Option<String> {
    let name_chars: Vec<char> = name.to_lowercase().chars().collect();
    candidates
        .iter()
        .map(|candidate| {
            let candidate_chars: Vec<char> = candidate.to_lowercase().chars().collect();
            (edit_distance(&name_chars, &candidate_chars), *candidate)
        })
        .filter(|(distance, _)| *distance <= (name_chars.len() / 3).max(2))
        .min_by_key(|(distance, candidate)| (*distance, candidate.len()))
        .map(|(_, candidate)| candidate.to_string())
}

fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            current[j + 1] = (previous[j] + usize::from(ca != cb))
                .min(previous[j + 1] + 1)
                .min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}
