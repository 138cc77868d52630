//! The KRM function contract: resources, ResourceLists and structured results.
mod resource;
mod resource_list;
mod result;

pub use resource::{ResId, Resource, landing};
pub(crate) use resource_list::type_name;
pub use resource_list::{ResourceList, items_from_stream};
pub use result::{FieldRef, FileRef, KrmResult, ResourceRef, Severity};
