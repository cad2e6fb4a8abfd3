/* The 人事管理单位 picker: select2 searching active units on the server. */
(function ($) {
  $(function () {
    $("select[data-unit-search]").each(function () {
      var $select = $(this);
      $select.select2({
        placeholder: $select.data("placeholder"),
        allowClear: true,
        minimumInputLength: 1,
        ajax: {
          url: $select.data("unit-search"),
          dataType: "json",
          delay: 250,
          // select2 4 passes {term: ...}; select2 3 passed the text itself.
          data: function (params) { return { q: typeof params === "string" ? params : (params.term || "") }; },
          results: function (data) { return data; },
          processResults: function (data) { return data; }
        }
      });
    });
  });
})(window.jQuery);
