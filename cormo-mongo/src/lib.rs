//! cormo-mongo
