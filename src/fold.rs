//! Names compared as people write them: case and the accents of Latin letters aside (`fold`), and
//! for a column or property name also spaces and punctuation (`normalize`). A leaf: the import's
//! header mapping, the report footer's words and the write rules' property names share it.

/// Lowercase, with the accents of Latin letters taken off ("Généré" → "genere").
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            other => other,
        })
        .collect()
}

/// Lowercase letters and digits only, accents taken off: "E-Mail Address" → "emailaddress",
/// "Téléphone" → "telephone".
pub fn normalize(name: &str) -> String {
    fold(name).chars().filter(|c| c.is_alphanumeric()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_accents_and_normalizes_punctuation_away() {
        assert_eq!(fold("Généré Ñu"), "genere nu");
        assert_eq!(normalize("E-Mail Address"), "emailaddress");
        assert_eq!(normalize("Téléphone"), "telephone");
        assert_eq!(normalize(" Region (EU) "), "regioneu");
    }
}
